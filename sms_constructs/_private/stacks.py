"""A construct's stack, and a stack's or a resource's account and Region, each asked of jsii once.

Every ``cdk.Stack.of(scope)``, ``stack.region`` or ``resource.env.account`` is a round trip to the Node.js process.
None of them can change once the construct exists (a construct never moves to another stack; ``env`` is fixed at
construction), so each answer is kept on the Python object that asked (its ``__dict__``, as jsii's proxies allow) and
later questions are answered in Python. The values are the same strings or tokens jsii returns, so templates do not
change.
"""

from __future__ import annotations

from typing import Any, cast

import aws_cdk as cdk
from aws_cdk.interfaces import IEnvironmentAware
from constructs import IConstruct

_STACK = "_sms_constructs_stack"
_ENV = "_sms_constructs_env"
_STACK_ENV = "_sms_constructs_stack_env"


def _cache(owner: object) -> dict[str, Any]:
    """The dictionary to keep answers in (``owner.__dict__``), or a throwaway one when the proxy has none."""
    return cast(dict[str, Any], getattr(owner, "__dict__", {}))


def stack_of(scope: IConstruct) -> cdk.Stack:
    """``cdk.Stack.of(scope)``, asked once per construct."""
    cache = _cache(scope)
    stack = cache.get(_STACK)
    if stack is None:
        stack = cache[_STACK] = cdk.Stack.of(scope)
    return cast(cdk.Stack, stack)


def _stack_env(stack: cdk.Stack) -> tuple[str, str]:
    cache = _cache(stack)
    env = cache.get(_STACK_ENV)
    if env is None:
        env = cache[_STACK_ENV] = (stack.account, stack.region)
    return cast(tuple[str, str], env)


def stack_account(scope: IConstruct) -> str:
    """The account of ``scope``'s stack (a token when the stack is environment-agnostic)."""
    return _stack_env(stack_of(scope))[0]


def stack_region(scope: IConstruct) -> str:
    """The Region of ``scope``'s stack (a token when the stack is environment-agnostic)."""
    return _stack_env(stack_of(scope))[1]


def resource_env(resource: IEnvironmentAware) -> tuple[str, str]:
    """``(resource.env.account, resource.env.region)``, asked once per resource."""
    cache = _cache(resource)
    env = cache.get(_ENV)
    if env is None:
        given = resource.env
        env = cache[_ENV] = (given.account, given.region)
    return cast(tuple[str, str], env)
