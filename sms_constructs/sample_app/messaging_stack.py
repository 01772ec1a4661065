"""The messaging stack: origination identities, opt-out list, pool, protect and configuration sets (L2 only)."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from ..resources.opt_out_list import OptOutList
from .config import Profile


class MessagingStack(cdk.Stack):
    """Declares the SMS resources every other sample stack sends through or listens to."""

    def __init__(self, scope: Construct, id: str, *, profile: Profile, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.profile = profile
        #: Recipients who replied STOP; kept when the stack is deleted.
        self.opt_out_list = OptOutList(self, "OptOutList", opt_out_list_name=f"{profile.name_prefix}-opt-outs")
