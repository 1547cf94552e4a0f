#!/usr/bin/env python3
"""CDK app: one validated configuration from context, one stack, cdk-nag as a validation plugin."""

import sys
from pathlib import Path

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

sys.path.insert(0, str(Path(__file__).resolve().parent / "glue_jobs"))

from infra.config import StackConfig
from infra.stack import ImageMetadataStack


def build_app(context: dict | None = None, outdir: str | None = None) -> cdk.App:
    """The app; ``context``/``outdir`` replace what the CDK CLI passes (tests use them)."""
    app = cdk.App(context=context, outdir=outdir) if context is not None else cdk.App()
    settings = app.node.try_get_context("image_metadata") or {}
    config = StackConfig.from_context(settings)
    ImageMetadataStack(app, config.stack_name, config=config)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


if __name__ == "__main__":
    build_app().synth()
