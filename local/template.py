"""What the local runtime reads from ``template.yaml``: routes, handlers, triggers, names, environment.

The template is the only route list. CloudFormation short-form tags (``!Ref``, ``!Sub`` …) are
read as their long form and the few intrinsics that name things are resolved against a local
stack (fixed stack name, account and region); anything else resolves to ``None``.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

STACK_NAME = "certtrack-local"
LOCAL_STAGE = "local"  # the template's Stage parameter locally (local.overrides says why)
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"

_PSEUDO = {
    "AWS::StackName": STACK_NAME,
    "AWS::AccountId": ACCOUNT_ID,
    "AWS::Region": REGION,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


class _CfnLoader(yaml.SafeLoader):
    """A safe YAML loader that also reads CloudFormation's ``!Tag`` short forms."""


def _construct_tag(loader: _CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


@dataclass(frozen=True)
class Route:
    """One ``Type: Api`` event: ``path`` as in the template (``/me/transcripts/{id}``)."""

    path: str
    method: str  # upper case; "ANY" matches every method
    public: bool
    function: str  # logical id


@dataclass(frozen=True)
class Function:
    logical_id: str
    name: str
    code_dir: Path
    handler: str  # "module.attribute", module relative to code_dir
    memory_mb: int
    timeout_s: int
    environment: dict[str, Any]  # unresolved values, Globals merged under the function's own
    events: dict[str, dict[str, Any]] = field(default_factory=dict)

    def events_of_type(self, *types: str) -> list[dict[str, Any]]:
        return [e.get("Properties") or {} for e in self.events.values() if e.get("Type") in types]


class Template:
    """A parsed SAM template with a small intrinsic-function resolver."""

    def __init__(self, path: Path, parameters: dict[str, str] | None = None) -> None:
        self.path = path
        self.root = path.parent
        self._parameters = parameters or {}  # overrides of the parameters' defaults
        with path.open(encoding="utf-8") as handle:
            self.doc: dict[str, Any] = yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 (safe loader subclass)
        self.resources: dict[str, dict[str, Any]] = self.doc.get("Resources") or {}
        self.functions = {
            logical_id: self._function(logical_id, resource.get("Properties") or {})
            for logical_id, resource in self.resources.items()
            if resource.get("Type") == "AWS::Serverless::Function"
        }

    # -- what the dev server needs ---------------------------------------------------------

    @property
    def routes(self) -> list[Route]:
        routes = []
        for function in self.functions.values():
            for props in function.events_of_type("Api"):
                auth = props.get("Auth") or {}
                routes.append(
                    Route(
                        path=str(props["Path"]),
                        method=str(props["Method"]).upper(),
                        public=auth.get("Authorizer") == "NONE",
                        function=function.logical_id,
                    )
                )
        return routes

    @property
    def layer_dirs(self) -> list[Path]:
        return [
            self.root / str(props["ContentUri"])
            for props in self.properties_of_type("AWS::Serverless::LayerVersion").values()
            if isinstance(props.get("ContentUri"), str)
        ]

    @property
    def global_environment(self) -> dict[str, Any]:
        return dict(self._globals().get("Environment", {}).get("Variables") or {})

    def placeholder_environment(self, function: Function) -> dict[str, str]:
        """The function's variables resolved with the parameters' defaults, for importing its handler
        where no stack exists (benches, the OpenAPI generator): a value that names a resource
        becomes a placeholder (the resource's logical id, else the variable's name), since the
        settings check at import that each variable is there, not what it points at."""
        variables = {}
        for name, value in function.environment.items():
            resolved = self.resolve(value)
            if resolved is None:
                ref = (value.get("Ref") or value.get("Fn::GetAtt")) if isinstance(value, dict) else None
                resolved = ref[0] if isinstance(ref, list) else ref or name
            variables[name] = str(resolved)
        return variables

    def properties_of_type(self, *types: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource.get("Properties") or {}
            for logical_id, resource in self.resources.items()
            if resource.get("Type") in types
        }

    def s3_trigger(self, bucket: str, key: str) -> Function | None:
        """The function an ``s3:ObjectCreated:Put`` of ``key`` in ``bucket`` would invoke."""
        for function in self.functions.values():
            for props in function.events_of_type("S3"):
                if self.resolve(props.get("Bucket")) != bucket:
                    continue
                events = props.get("Events")
                patterns = events if isinstance(events, list) else [events]
                if any(fnmatch.fnmatchcase("s3:ObjectCreated:Put", str(p)) for p in patterns) and _key_matches(
                    props.get("Filter"), key
                ):
                    return function
        return None

    def scheduled_function(self) -> Function | None:
        """The function a schedule invokes (the template declares one)."""
        scheduled = [f for f in self.functions.values() if f.events_of_type("Schedule", "ScheduleV2")]
        if len(scheduled) > 1:
            raise ValueError(f"several scheduled functions: {sorted(f.logical_id for f in scheduled)}")
        return scheduled[0] if scheduled else None

    def physical_name(self, logical_id: str, refs: dict[str, str] | None = None) -> str:
        """What ``!Ref`` of a resource gives locally: its declared name, else ``<stack>-<id>``."""
        if refs and logical_id in refs:
            return refs[logical_id]
        props = self.resources.get(logical_id, {}).get("Properties") or {}
        for name_property in (
            "TableName",
            "BucketName",
            "FunctionName",
            "UserPoolName",
            "GroupName",
            "Name",
            "LogGroupName",
        ):
            declared = self.resolve(props.get(name_property), refs)
            if isinstance(declared, str) and declared:
                return declared
        return f"{STACK_NAME}-{logical_id.lower()}"

    # -- intrinsic functions ---------------------------------------------------------------

    def resolve(self, value: Any, refs: dict[str, str] | None = None) -> Any:
        """Resolve ``Ref``/``Fn::Sub``/``Fn::Join``/``Fn::If``/``Fn::Select``; ``None`` if unknown."""
        if isinstance(value, list):
            return [self.resolve(item, refs) for item in value]
        if isinstance(value, str) and "{{resolve:" in value:
            return None  # a dynamic reference (SSM, Secrets Manager): the local runtime sets its own
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {key: self.resolve(item, refs) for key, item in value.items()}
        ((name, arg),) = value.items()
        if name == "Ref":
            return self._ref(str(arg), refs)
        if name == "Fn::Sub":
            return self._sub(arg, refs)
        if name == "Fn::Join":
            parts = [self.resolve(part, refs) for part in arg[1]]
            return None if any(p is None for p in parts) else str(arg[0]).join(str(p) for p in parts)
        if name == "Fn::If":
            return self.resolve(arg[1] if self._condition(arg[0], refs) else arg[2], refs)
        if name == "Fn::Select":
            items = self.resolve(arg[1], refs)
            return items[int(arg[0])] if isinstance(items, list) else None
        if name.startswith("Fn::") or name == "Condition":
            return None
        return {name: self.resolve(arg, refs)}

    def _ref(self, name: str, refs: dict[str, str] | None) -> Any:
        if name in _PSEUDO:
            return _PSEUDO[name]
        if name in self._parameters:
            return self._parameters[name]
        parameters = self.doc.get("Parameters") or {}
        if name in parameters:
            return parameters[name].get("Default")
        if name in self.resources:
            return self.physical_name(name, refs)
        return None

    def _sub(self, arg: Any, refs: dict[str, str] | None) -> str | None:
        text, variables = (arg[0], arg[1]) if isinstance(arg, list) else (arg, {})
        unresolved = False

        def replace(match: re.Match[str]) -> str:
            nonlocal unresolved
            name = match.group(1)
            value = (
                self.resolve(variables[name], refs)
                if name in variables
                else (None if "." in name else self._ref(name, refs))
            )
            if value is None:
                unresolved = True
                return ""
            return str(value)

        result = _SUB_VARIABLE.sub(replace, str(text)).replace("${!", "${")
        return None if unresolved else result

    def _condition(self, condition: Any, refs: dict[str, str] | None) -> bool:
        if isinstance(condition, str):
            return self._condition((self.doc.get("Conditions") or {}).get(condition), refs)
        if not isinstance(condition, dict) or len(condition) != 1:
            return False
        ((name, arg),) = condition.items()
        if name == "Condition":
            return self._condition(arg, refs)
        if name == "Fn::Equals":
            left, right = (self.resolve(item, refs) for item in arg)
            return left is not None and str(left) == str(right)
        if name == "Fn::Not":
            return not self._condition(arg[0], refs)
        if name == "Fn::And":
            return all(self._condition(item, refs) for item in arg)
        if name == "Fn::Or":
            return any(self._condition(item, refs) for item in arg)
        return False

    # -- helpers ---------------------------------------------------------------------------

    def _globals(self) -> dict[str, Any]:
        return (self.doc.get("Globals") or {}).get("Function") or {}

    def _function(self, logical_id: str, props: dict[str, Any]) -> Function:
        merged = {**self._globals(), **props}
        environment = {
            **self.global_environment,
            **((props.get("Environment") or {}).get("Variables") or {}),
        }
        name = self.resolve(props.get("FunctionName"))
        return Function(
            logical_id=logical_id,
            name=name if isinstance(name, str) else f"{STACK_NAME}-{logical_id}",
            code_dir=self.root / str(merged.get("CodeUri", ".")),
            handler=str(merged["Handler"]),
            memory_mb=int(self.resolve(merged.get("MemorySize")) or 128),
            timeout_s=int(self.resolve(merged.get("Timeout")) or 3),
            environment=environment,
            events=props.get("Events") or {},
        )


def _key_matches(s3_filter: Any, key: str) -> bool:
    rules = ((s3_filter or {}).get("S3Key") or {}).get("Rules") or []
    for rule in rules:
        name, value = str(rule.get("Name", "")).lower(), str(rule.get("Value", ""))
        if (name == "prefix" and not key.startswith(value)) or (name == "suffix" and not key.endswith(value)):
            return False
    return True
