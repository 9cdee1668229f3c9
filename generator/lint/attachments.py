"""A managed policy attached in Terraform: what rules of scope "attachment" judge."""

from __future__ import annotations

from ..records import Record
from .findings import Finding


class Attachment(Record):
    """`policy_arn` attached by `resource` (`aws_iam_role_policy_attachment.admin`, a
    module), written at file:line:col."""

    policy_arn: str
    resource: str
    file: str
    line: int
    col: int = 1

    @property
    def aws_managed_name(self) -> str | None:
        """The name of an AWS managed policy (`AdministratorAccess`), else None; any
        partition, any path (`service-role/...` keeps its path)."""
        parts = self.policy_arn.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or parts[2:5] != ["iam", "", "aws"]:
            return None
        return parts[5].removeprefix("policy/") if parts[5].startswith("policy/") else None

    def finding(self, message: str, fix: str) -> Finding:
        return Finding(message=message, fix=fix, file=self.file, line=self.line, col=self.col)
