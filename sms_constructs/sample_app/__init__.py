"""The sample app: stacks that compose the library for a sandbox (simulator) or a production profile.

``app.py`` at the repository root calls :func:`build_sample_app`; tests call it too, so what is tested is what
``cdk synth`` writes.
"""

from .app import SampleStacks, build_sample_app, stack_name_prefix
from .config import PROFILE_CONTEXT_KEY, IdentitySpec, Profile, load_profile

__all__ = [
    "PROFILE_CONTEXT_KEY",
    "IdentitySpec",
    "Profile",
    "SampleStacks",
    "build_sample_app",
    "load_profile",
    "stack_name_prefix",
]
