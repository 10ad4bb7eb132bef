"""Draws the empty pitch into the page's canvas (shaders/pitch.wgsl).

One render pipeline, one full-screen triangle per frame; the canvas backing
store follows its CSS size times the device-pixel ratio, so it stays crisp.
"""

import js

import gpu
from gpu.browser import configure_canvas


class PitchRenderer:
    def __init__(self, device, canvas, context, texture_format, pipeline):
        self.device, self.canvas, self.context = device, canvas, context
        self.texture_format, self.pipeline = texture_format, pipeline

    @classmethod
    async def create(cls, device, canvas) -> "PitchRenderer":
        context, texture_format = configure_canvas(device, canvas)
        async with device.error_scope("building the pitch renderer"):
            module = device.create_shader_module(code=gpu.shader_source("pitch"), label="pitch")
            pipeline = device.create_render_pipeline(
                layout="auto",
                vertex={"module": module, "entry_point": "vs_main"},
                fragment={"module": module, "entry_point": "fs_main",
                          "targets": [{"format": texture_format}]},
                primitive={"topology": "triangle-list"},
                label="pitch")
        return cls(device, canvas, context, texture_format, pipeline)

    def follow_css_size(self) -> None:
        ratio = js.window.devicePixelRatio or 1
        width = max(1, round(self.canvas.clientWidth * ratio))
        height = max(1, round(self.canvas.clientHeight * ratio))
        if (self.canvas.width, self.canvas.height) != (width, height):
            self.canvas.width, self.canvas.height = width, height

    def draw(self) -> None:
        self.follow_css_size()
        view = self.context.get_current_texture().create_view()
        encoder = self.device.create_command_encoder()
        render_pass = encoder.begin_render_pass(color_attachments=[{
            "view": view, "load_op": "clear", "store_op": "store", "clear_value": [0.0, 0.0, 0.0, 1.0]}])
        render_pass.set_pipeline(self.pipeline)
        render_pass.draw(3)
        render_pass.end()
        self.device.queue.submit([encoder.finish()])
