"""xgen: deploy a SageMaker model trained in one AWS account to endpoints in others."""

__version__ = "0.1.0"
