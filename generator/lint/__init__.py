"""`xgen lint`: static rules over policy JSON, Terraform, plans and rendered folders.

Nothing here imports jinja2, boto3 or pydantic, and python-hcl2 only when a `.tf` file is
read, so linting JSON costs little more than Python's start.
"""
