"""AWS CDK constructs for AWS End User Messaging SMS (SMS and Voice v2).

Layers: ``sms_constructs.resources`` (L2, one module per ``AWS::SMSVOICE`` type), ``sms_constructs.patterns`` (L3) and
``sms_constructs.sample_app`` (the sample stacks). This module only re-exports the public names.
"""

from ._private.errors import ValidationError
from .resources.opt_out_list import OptOutList, OptOutListBase

__all__ = [
    "OptOutList",
    "OptOutListBase",
    "ValidationError",
]
