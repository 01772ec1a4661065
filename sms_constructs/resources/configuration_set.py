"""``ConfigurationSet``: the rules applied to the messages sent with it, and where their events go."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_smsvoice as smsvoice
import jsii
from aws_cdk.interfaces.aws_smsvoice import (
    ConfigurationSetReference,
    IConfigurationSetRef,
    IProtectConfigurationRef,
)
from constructs import Construct, IConstruct

from .._private import arns
from .._private.arns import check_sms_arn, check_sms_id
from .._private.errors import ValidationError
from .._private.stacks import resource_env, stack_account, stack_of
from .._private.validation import check_length, check_pattern, is_unresolved
from ._base import check_same_region, check_sms_voice_actions, format_sms_voice_arn, resource_name_from_arn
from .event_destination import EventDestination, EventType

NAME_PATTERN = r"[A-Za-z0-9_-]+"
SENDER_ID_PATTERN = r"[A-Za-z0-9_-]+"
#: At most this many event destinations per configuration set (CloudFormation ``maxItems``, API quota).
MAX_EVENT_DESTINATIONS = 5

_CHANNEL_ALL = {
    EventType.TEXT_ALL: "TEXT_",
    EventType.VOICE_ALL: "VOICE_",
    EventType.MEDIA_ALL: "MEDIA_",
    EventType.RCS_ALL: "RCS_",
}


@jsii.implements(IConfigurationSetRef)
class ConfigurationSetBase(cdk.Resource):
    """What an owned and an imported configuration set have in common."""

    _name: str
    _arn: str
    #: The name when it is known at synth time (a literal), else ``None``.
    _literal_name: str | None = None

    @property
    def configuration_set_name(self) -> str:
        """The name of the configuration set (its ``Ref``)."""
        return self._name

    @property
    def configuration_set_arn(self) -> str:
        """The ARN of the configuration set."""
        return self._arn

    @property
    def configuration_set_ref(self) -> ConfigurationSetReference:
        """A reference to this configuration set (``aws_cdk.interfaces.aws_smsvoice.IConfigurationSetRef``)."""
        return ConfigurationSetReference(configuration_set_name=self._name, configuration_set_arn=self._arn)

    def source_arn_for(self, scope: IConstruct) -> str:
        """This configuration set's ARN, for an ``aws:SourceArn`` condition written in ``scope``'s stack.

        The service presents the configuration set's ARN as ``aws:SourceArn`` when it writes to an event destination.
        Policies on the destination (topic policy, key policy) usually live in another stack, which the configuration
        set's stack already depends on (the set references the destination): referencing the set back would be a
        dependency cycle, and even in one stack a key policy that references the set closes a cycle (key → set → topic
        → key). So the ARN is never the set's ``Fn::GetAtt``:

        - in the same stack, the ARN formatted from the name (a literal, or a parameter token);
        - in another stack, the ARN formatted from the literal name with this set's account and region;
        - otherwise (another stack and a name only known at deploy time) a ``ValidationError``: give
          ``configuration_set_name``.
        """
        if stack_of(scope) is stack_of(self):
            return self._formatted_arn()
        if self._literal_name is None:
            raise ValidationError(
                self,
                "configuration_set_name",
                f"must be a literal when a policy in another stack ({stack_of(scope).node.path}) refers to this "
                "configuration set; give 'configuration_set_name' (or import the set by a literal name or ARN)",
                self._name,
            )
        env = self.env
        return stack_of(scope).format_arn(
            service="sms-voice",
            resource="configuration-set",
            resource_name=self._literal_name,
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
            account=None if cdk.Token.is_unresolved(env.account) else env.account,
            region=None if cdk.Token.is_unresolved(env.region) else env.region,
        )

    def _formatted_arn(self) -> str:
        return format_sms_voice_arn(self, "configuration-set", self._name)

    def grant_send_text_message(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``grantee`` to send text messages with this configuration set.

        Adds ``sms-voice:SendTextMessage`` on this configuration set's ARN, nothing else. IAM authorizes
        ``SendTextMessage`` on each resource of the request that the Service Authorization Reference lists for it
        (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsendusermessagingsmsandvoicev2.html):
        the origination identity (phone number, sender ID or pool) and, in the current reference, the configuration
        set named in ``ConfigurationSetName``. So a sender needs this grant *and* the origination identity's
        (``pool.grant_send_text_message(fn)``). Older revisions of the reference listed only the origination
        identities; on those the statement is inert rather than broader, because it names one ARN. Media and voice
        messages are not included (least privilege): use ``grant(grantee, "sms-voice:SendMediaMessage")`` when the
        sender needs them.
        """
        return self.grant(grantee, "sms-voice:SendTextMessage")

    def grant(self, grantee: iam.IGrantable, *actions: str) -> iam.Grant:
        """Allow ``grantee`` the given ``sms-voice:`` ``actions`` on this configuration set's ARN."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=check_sms_voice_actions(self, actions), resource_arns=[self._arn]
        )


class ConfigurationSetEventDestination(Construct):
    """An event destination of a configuration set, returned by ``ConfigurationSet.add_event_destination``.

    It renders into the set's ``EventDestinations`` list (CloudFormation has no separate resource for it); the role the
    service assumes, when one is created, is its child ``Role``.
    """

    def __init__(
        self,
        scope: ConfigurationSet,
        id: str,
        *,
        destination: EventDestination,
        events: Sequence[EventType],
        enabled: bool,
        event_destination_name: str,
    ) -> None:
        """Use ``ConfigurationSet.add_event_destination``, which validates these props, rather than this constructor.

        :param destination: Where the events go; it is bound here (its role, topic or key policy is created).
        :param events: The event types sent to the destination. No default.
        :param enabled: Whether the destination receives events. No default (``add_event_destination``: ``True``).
        :param event_destination_name: The destination's name in the set. No default.
        """
        super().__init__(scope, id)
        self._name = event_destination_name
        config = destination.bind(self, scope)
        # The service checks the destination's permissions when the set is created or updated, and early events would
        # be lost without them: the set waits for the role and its policy, the topic policy and the key policy.
        if config.dependables:
            scope.resource.node.add_dependency(*config.dependables)
        self._role = config.role
        self.property = smsvoice.CfnConfigurationSet.EventDestinationProperty(
            event_destination_name=event_destination_name,
            enabled=enabled,
            matching_event_types=[event.value for event in events],
            cloud_watch_logs_destination=config.cloud_watch_logs_destination,
            kinesis_firehose_destination=config.kinesis_firehose_destination,
            sns_destination=config.sns_destination,
        )

    @property
    def event_destination_name(self) -> str:
        """The name of the event destination."""
        return self._name

    @property
    def role(self) -> iam.IRole | None:
        """The role the service assumes to write to a CloudWatch Logs or Firehose destination (``None`` for SNS)."""
        return self._role


class ConfigurationSet(ConfigurationSetBase):
    """A configuration set (``AWS::SMSVOICE::ConfigurationSet``).

    A configuration set is a named set of rules you pass with each send (``ConfigurationSetName``): the event
    destinations that receive the message events, a default sender ID, message feedback tracking and the protect
    configuration that filters destinations.

    Example::

        config = ConfigurationSet(self, "Config")
        config.add_event_destination(
            "Logs", destination=EventDestination.cloud_watch_logs(log_group), events=[EventType.TEXT_ALL]
        )
        config.grant_send_text_message(sender_function)
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        configuration_set_name: str | None = None,
        default_sender_id: str | None = None,
        message_feedback_enabled: bool | None = None,
        protect_configuration: IProtectConfigurationRef | None = None,
        removal_policy: cdk.RemovalPolicy | None = None,
    ) -> None:
        """
        :param configuration_set_name: Name of the set: 1–64 characters of ``A-Z a-z 0-9 _ -``. Changing it replaces
            the set. Default: a name unique in the account and region, generated from the stack name and construct
            path (not left to CloudFormation: the trust policies of the event destinations' roles and the topic and
            key policies need the name to name the set's ARN before the set exists). Renaming the stack or moving the
            construct therefore changes the generated name, which replaces the set.
        :param default_sender_id: Sender ID used when a message to a country that supports sender IDs has no other
            origination identity: 1–11 characters of ``A-Z a-z 0-9 _ -``. Default: none (the service uses a generic
            sender ID such as ``NOTICE``).
        :param message_feedback_enabled: Track message feedback (``PutMessageFeedback``) for messages sent with the
            set. Default: not set (the service's default, disabled).
        :param protect_configuration: The protect configuration applied to messages sent with the set (unless a send
            names its own); it must be in this stack's account and Region (protect configurations cannot be shared).
            Default: none (the account default protect configuration, if any, applies).
        :param removal_policy: What happens to the set when it leaves the stack. Default: ``RemovalPolicy.DESTROY``
            (a configuration set holds settings, no data; and because its name is fixed, a retained set would make
            the next deployment of the same stack fail with "already exists").
        """
        super().__init__(scope, id, physical_name=configuration_set_name)
        check_length(self, "configuration_set_name", configuration_set_name, 1, 64)
        check_pattern(
            self, "configuration_set_name", configuration_set_name, NAME_PATTERN, "letters, digits, '_' and '-'"
        )
        check_length(self, "default_sender_id", default_sender_id, 1, 11)
        check_pattern(self, "default_sender_id", default_sender_id, SENDER_ID_PATTERN, "letters, digits, '_' and '-'")

        protect_configuration_id = _protect_configuration_id(self, protect_configuration)

        name = configuration_set_name
        if name is None:
            name = cdk.Names.unique_resource_name(self, max_length=64, separator="-", allowed_special_characters="_-")
        self._literal_name = None if is_unresolved(name) else name
        self._destinations: list[ConfigurationSetEventDestination] = []

        self.resource = smsvoice.CfnConfigurationSet(
            self,
            "Resource",
            configuration_set_name=name,
            default_sender_id=default_sender_id,
            message_feedback_enabled=message_feedback_enabled,
            protect_configuration_id=protect_configuration_id,
            event_destinations=cdk.Lazy.any(_DestinationsProducer(self), omit_empty_array=True),
        )
        self.resource.apply_removal_policy(removal_policy if removal_policy is not None else cdk.RemovalPolicy.DESTROY)
        self._name = self._get_resource_name_attribute(self.resource.ref)
        self._arn = self._get_resource_arn_attribute(
            self.resource.attr_arn,
            service="sms-voice",
            resource="configuration-set",
            resource_name=name,
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        )
        self._arn_name = name
        #: The protect configuration the set applies, as given (``None``: none, the account's default applies). What
        #: ``SmsSendQueue(routes=...)`` reads to warn about allowed countries without a route.
        self.protect_configuration = protect_configuration

    def _formatted_arn(self) -> str:
        # The name given to CloudFormation (literal, generated or a parameter token), never the Ref: see source_arn_for.
        return format_sms_voice_arn(self, "configuration-set", self._arn_name)

    @property
    def event_destinations(self) -> list[ConfigurationSetEventDestination]:
        """The event destinations added so far."""
        return list(self._destinations)

    def add_event_destination(
        self,
        id: str,
        *,
        destination: EventDestination,
        events: Sequence[EventType],
        enabled: bool = True,
        event_destination_name: str | None = None,
    ) -> ConfigurationSetEventDestination:
        """Send the ``events`` of messages sent with this set to ``destination``.

        :param id: Construct id of the destination (a child of this set).
        :param destination: Where events go: ``EventDestination.cloud_watch_logs(...)``, ``.firehose(...)`` or
            ``.sns_topic(...)``. The role, topic policy or key policy statement the service needs is created.
        :param events: The event types to send, at least one, each once. ``EventType.TEXT_SENT`` is refused (the
            service does not support it). ``ALL`` or a channel's ``*_ALL`` together with specific types of the same
            channel is redundant and draws a warning.
        :param enabled: Whether the destination receives events. Default: ``True``.
        :param event_destination_name: Name of the destination: 1–64 characters of ``A-Z a-z 0-9 _ -``, unique in the
            set. Default: ``id`` with every other character replaced by ``-`` (cut to 64 characters).
        """
        scope_path = f"{self.node.path}/{id}"
        if len(self._destinations) >= MAX_EVENT_DESTINATIONS:
            raise ValidationError(
                scope_path,
                "event_destinations",
                f"a configuration set holds at most {MAX_EVENT_DESTINATIONS} event destinations",
                [d.event_destination_name for d in self._destinations] + [event_destination_name or id],
            )
        if not isinstance(destination, EventDestination):
            raise ValidationError(
                scope_path,
                "destination",
                "must be an EventDestination (EventDestination.sns_topic(...) etc.)",
                destination,
            )
        name = event_destination_name if event_destination_name is not None else _name_from_id(id)
        _check_length_at(scope_path, "event_destination_name", name, 1, 64)
        if not is_unresolved(name) and re.fullmatch(NAME_PATTERN, name) is None:
            raise ValidationError(
                scope_path, "event_destination_name", f"must match {NAME_PATTERN} (letters, digits, '_' and '-')", name
            )
        if name in {d.event_destination_name for d in self._destinations}:
            raise ValidationError(
                scope_path, "event_destination_name", "must be unique among the set's event destinations", name
            )
        self._check_events(scope_path, list(events))

        created = ConfigurationSetEventDestination(
            self,
            id,
            destination=destination,
            events=list(events),
            enabled=enabled,
            event_destination_name=name,
        )
        self._destinations.append(created)
        return created

    def _check_events(self, path: str, events: list[Any]) -> None:
        if not events:
            raise ValidationError(path, "events", "must name at least one EventType", events)
        for event in events:
            if not isinstance(event, EventType):
                raise ValidationError(path, "events", "must hold EventType values (e.g. EventType.TEXT_ALL)", event)
        if EventType.TEXT_SENT in events:
            raise ValidationError(
                path,
                "events",
                "TEXT_SENT is not supported by the service (CreateEventDestination API reference); use "
                "TEXT_SUCCESSFUL or TEXT_DELIVERED",
                EventType.TEXT_SENT,
            )
        seen: set[EventType] = set()
        for event in events:
            if event in seen:
                raise ValidationError(path, "events", "event types must be unique; duplicate", event)
            seen.add(event)
        specific = [e for e in events if e is not EventType.ALL and e not in _CHANNEL_ALL]
        redundant: list[str] = []
        if EventType.ALL in seen and len(events) > 1:
            redundant = [e.value for e in events if e is not EventType.ALL]
        else:
            for channel_all, prefix in _CHANNEL_ALL.items():
                if channel_all in seen:
                    redundant += [e.value for e in specific if e.value.startswith(prefix)]
        if redundant:
            cdk.Annotations.of(self).add_warning_v2(
                "sms-constructs:RedundantEventTypes",
                f"{path}: {', '.join(redundant)} already included by ALL / *_ALL in the same destination; remove them.",
            )

    def _render_destinations(self) -> list[smsvoice.CfnConfigurationSet.EventDestinationProperty]:
        return [d.property for d in self._destinations]

    @staticmethod
    def from_configuration_set_name(scope: Construct, id: str, configuration_set_name: str) -> ConfigurationSetBase:
        """Import a configuration set of this stack's account and region by name."""
        check_sms_id(scope, id, "configuration_set_name", configuration_set_name, arns.CONFIGURATION_SET)
        return _ImportedConfigurationSet(
            scope,
            id,
            configuration_set_name,
            format_sms_voice_arn(scope, "configuration-set", configuration_set_name),
            None if is_unresolved(configuration_set_name) else configuration_set_name,
        )

    @staticmethod
    def from_configuration_set_arn(scope: Construct, id: str, configuration_set_arn: str) -> ConfigurationSetBase:
        """Import a configuration set by ARN (``arn:aws:sms-voice:<region>:<account>:configuration-set/<name>``).

        Raises ``ValidationError`` (naming the import's path and ``configuration_set_arn``) for anything but a
        configuration set ARN.
        """
        check_sms_arn(scope, id, "configuration_set_arn", configuration_set_arn, arns.CONFIGURATION_SET)
        name = resource_name_from_arn(configuration_set_arn)
        return _ImportedConfigurationSet(
            scope, id, name, configuration_set_arn, None if is_unresolved(configuration_set_arn) else name
        )


#: ``ProtectConfigurationId`` in CloudFormation: 1–256 characters of these.
PROTECT_CONFIGURATION_ID_PATTERN = r"[A-Za-z0-9_:/-]+"


def _protect_configuration_id(scope: Construct, protect: IProtectConfigurationRef | None) -> str | None:
    """``ProtectConfigurationId`` for ``protect``; raises for one in another Region or account, or a malformed ID.

    Protect configurations cannot be shared (AWS RAM shares phone numbers, sender IDs, pools and opt-out lists only),
    so the configuration must be this stack's account's, in this Region.
    """
    if protect is None:
        return None
    prop = "protect_configuration"
    check_same_region(scope, prop, protect)
    theirs, ours = resource_env(protect)[0], stack_account(scope)
    if not cdk.Token.is_unresolved(theirs) and not cdk.Token.is_unresolved(ours) and theirs != ours:
        raise ValidationError(
            scope,
            prop,
            f"must belong to this stack's account ({ours}); protect configurations cannot be shared, and this one "
            f"belongs to {theirs}",
            protect.node.path,
        )
    identifier = protect.protect_configuration_ref.protect_configuration_id
    check_length(scope, prop, identifier, 1, 256)
    check_pattern(scope, prop, identifier, PROTECT_CONFIGURATION_ID_PATTERN, "a protect configuration ID")
    return identifier


def _check_length_at(path: str, prop: str, value: str, low: int, high: int) -> None:
    """``check_length`` for a construct that does not exist yet (named by its future path)."""
    if not is_unresolved(value) and not low <= len(value) <= high:
        raise ValidationError(path, prop, f"length must be between {low} and {high} characters", value)


def _name_from_id(id: str) -> str:
    return (re.sub(r"[^A-Za-z0-9_-]", "-", id) or "destination")[:64]


@jsii.implements(cdk.IStableAnyProducer)
class _DestinationsProducer:
    """Renders the event destinations added so far, when the template is synthesized."""

    def __init__(self, configuration_set: ConfigurationSet) -> None:
        self._configuration_set = configuration_set

    def produce(self) -> Any:
        return self._configuration_set._render_destinations()


class _ImportedConfigurationSet(ConfigurationSetBase):
    def __init__(self, scope: Construct, id: str, name: str, arn: str, literal_name: str | None) -> None:
        super().__init__(scope, id, environment_from_arn=arn)
        self._name = name
        self._arn = arn
        self._literal_name = literal_name

    def _formatted_arn(self) -> str:
        return self._arn
