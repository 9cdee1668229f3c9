"""Everything that talks to AWS: the only package that imports boto3.

The CLI imports it lazily inside the commands that need it, so `xgen render` and
`xgen lint` never pay for loading boto3.
"""
