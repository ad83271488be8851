"""
Sync functions and their async twins (load/aload, _get/_aget): the ones a
change to a module changed on one side only.
"""

import ast
from dataclasses import dataclass


@dataclass
class Drift:
    """A changed function whose twin the same change left as it was."""

    changed: str
    changed_line: int
    twin: str
    twin_line: int


def definitions(source):
    """
    {qualified name: def node} of a module's functions and methods
    (Class.method); a name defined twice means its last definition.
    """
    found = {}

    def visit(body, prefix):
        for node in body:
            if isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found[prefix + node.name] = node

    visit(ast.parse(source).body, "")
    return found


def statements(node):
    """The statements of a def, without its docstring."""
    body = node.body
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        if isinstance(first.value.value, str):
            return body[1:]
    return body


def signature(node):
    """A def's kind, arguments, decorators and return annotation, as text."""
    decorators = [ast.dump(d) for d in node.decorator_list]
    returns = node.returns and ast.dump(node.returns)
    return type(node).__name__, ast.dump(node.args), decorators, returns


def shape(node):
    """What a change to a def changes: its signature and statements."""
    return signature(node), [ast.dump(s) for s in statements(node)]


def twin_name(qualname, node):
    """
    The name of a def's twin, in the same scope: with "a" after the leading
    underscores for a sync def (load: aload, _get: _aget, __call__:
    __acall__), without it for an async def; None if it can't have one.
    """
    scope, dot, name = qualname.rpartition(".")
    rest = name.lstrip("_")
    underscores = name[: len(name) - len(rest)]
    if isinstance(node, ast.AsyncFunctionDef):
        if not rest.startswith("a") or len(rest) == 1:
            return None
        return f"{scope}{dot}{underscores}{rest[1:]}"
    return f"{scope}{dot}{underscores}a{rest}"


def twin_of(qualname, defs):
    """The twin of a def in defs: an async def for a def, and vice versa."""
    node = defs[qualname]
    twin = twin_name(qualname, node)
    if twin is None or twin not in defs:
        return None
    kinds = {type(node), type(defs[twin])}
    return twin if kinds == {ast.FunctionDef, ast.AsyncFunctionDef} else None


def _short(qualname):
    return qualname.rpartition(".")[2]


def _names(node, name):
    """Whether an expression names the twin `name`: name, self.name, cls.name."""
    if isinstance(node, ast.Attribute):
        return node.attr == name and getattr(node.value, "id", None) in ("self", "cls")
    return isinstance(node, ast.Name) and node.id == name


def delegates(node, name):
    """
    Whether a def's only statement calls its twin `name`, directly or
    through a wrapper like sync_to_async(), and returns what it returns.
    """
    body = statements(node)
    if len(body) != 1 or not isinstance(body[0], (ast.Return, ast.Expr)):
        return False
    call = body[0].value
    if isinstance(call, ast.Await):
        call = call.value
    if not isinstance(call, ast.Call):
        return False
    func = call.func
    if isinstance(func, ast.Call) and func.args:
        func = func.args[0]
    return _names(func, name)


def _calls_override(statement, name):
    """Whether a statement calls get_sync_override(..., "name", ...)."""
    return any(
        isinstance(node, ast.Call)
        and _names(node.func, "get_sync_override")
        and any(isinstance(a, ast.Constant) and a.value == name for a in node.args)
        for node in ast.walk(statement)
    )


def guarded(old, new, name):
    """
    Whether the async def `new` is `old` with leading statements that call
    get_sync_override() for its sync twin `name` (a `pass` is no body).
    """
    old_body = [s for s in statements(old) if not isinstance(s, ast.Pass)]
    new_body = [s for s in statements(new) if not isinstance(s, ast.Pass)]
    cut = len(new_body) - len(old_body)
    return (
        cut > 0
        and signature(old) == signature(new)
        and [ast.dump(s) for s in new_body[cut:]] == [ast.dump(s) for s in old_body]
        and any(_calls_override(s, name) for s in new_body[:cut])
    )


def exempt(name, twin, before, after):
    """
    Whether a change to `name` that leaves `twin` as it was is not drift:

    - Delegation: if either twin, before or after the change, only calls
      the other, the change reaches both paths or gives a twin its first
      own implementation, so there is nothing the other twin lacks.
    - Override guard: an async twin that only gains a leading
      get_sync_override() check for its sync twin now runs the sync twin's
      overrides, which changes the behavior of neither implementation.
    """
    if delegates(before[name], _short(twin)) or delegates(after[name], _short(twin)):
        return True
    if delegates(after[twin], _short(name)):
        return True
    is_async = isinstance(after[name], ast.AsyncFunctionDef)
    return is_async and guarded(before[name], after[name], _short(twin))


def drifts(before_source, after_source):
    """The defs a change changed while leaving their twins as they were."""
    try:
        before = definitions(before_source)
        after = definitions(after_source)
    except SyntaxError:
        return []  # flake8 reports it
    paired = {name for name in before.keys() & after.keys() if twin_of(name, after)}
    changed = {name for name in paired if shape(before[name]) != shape(after[name])}
    found = []
    for name in sorted(changed, key=lambda n: after[n].lineno):
        twin = twin_of(name, after)
        if twin in changed or twin not in paired:
            continue
        if not exempt(name, twin, before, after):
            found.append(Drift(name, after[name].lineno, twin, after[twin].lineno))
    return found
