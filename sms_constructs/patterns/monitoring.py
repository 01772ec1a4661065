"""``SmsMonitoring``: one dashboard and the alarms an SMS workload needs, over every hop of the send path.

Four kinds of metrics, each where it is published:

- ``AWS/SMSVoice`` (the service): parts sent and delivered, the month-to-date text spend, messages blocked by a protect
  configuration. Per account and Region (not per configuration set), and only once the service-linked role
  ``AWSServiceRoleForSMSVoice`` exists.
- the sender's and retry function's custom metrics (``SmsSendQueue.metric_*``, ``SmsRetry.metric_*``): rejections and
  held sends by reason, transient failures, retries, final failures.
- SQS, Lambda and Firehose: queue depth and age, dead-letter queues, throttles, Firehose freshness and conversions.
- metrics derived from the events where AWS publishes none: metric filters on the configuration set's quick-look log
  group count final failures by status and by carrier, blocked or spam messages, and carrier-unreachable failures.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar, Unpack

import aws_cdk as cdk
import aws_cdk.aws_cloudwatch as cloudwatch
import aws_cdk.aws_cloudwatch_actions as cloudwatch_actions
import aws_cdk.aws_events as events
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_logs as logs
import aws_cdk.aws_sns as sns
import aws_cdk.aws_sns_subscriptions as subscriptions
import jsii
from aws_cdk.interfaces.aws_smsvoice import IConfigurationSetRef, IProtectConfigurationRef
from constructs import Construct, IValidation
from sms_constructs_runtime.events import SUCCESS_STATUSES
from sms_constructs_runtime.inbound import DriftKind, InboundMetric
from sms_constructs_runtime.settings import DIMENSION_CAUSE, DIMENSION_REASON, SenderMetric
from sms_constructs_runtime.status_settings import StatusMetric

from .._private import nag
from .._private.errors import ValidationError
from .._private.kms import limit_grants_to_aws_services
from .._private.metrics import MetricOptions, custom_metric, with_defaults
from .._private.validation import check_pattern, check_range, check_unique, is_unresolved
from ..resources.configuration_set import ConfigurationSet
from . import _guards
from .event_analytics import SmsEventAnalytics
from .inbound import SmsInbound
from .retry import SmsRetry
from .send_queue import QUEUE_RETENTION, SmsSendQueue
from .status import SmsStatusNotifier

#: Namespace of the service's metrics.
SMS_NAMESPACE = "AWS/SMSVoice"
#: Default namespace of the metrics the event metric filters publish.
DEFAULT_EVENT_METRICS_NAMESPACE = "SmsConstructs/Events"
#: The ``Reason`` of a send held because the month's text spend limit is reached.
SPEND_LIMIT_REASON = "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT"
#: The ``Reason`` of a send rejected because the recipient opted out.
OPTED_OUT_REASON = "DESTINATION_PHONE_NUMBER_OPTED_OUT"
#: Final statuses counted as ``BlockedOrSpam``: a handset, a carrier or a protect configuration refused the message.
BLOCKED_STATUSES = ("BLOCKED", "CARRIER_BLOCKED", "SPAM", "PROTECT_BLOCKED")

#: Default alarm thresholds (each is a prop of ``SmsMonitoring``).
DEFAULT_SPEND_ALARM_PERCENTAGES = (50.0, 80.0, 100.0)
DEFAULT_MIN_DELIVERY_RATE_PERCENT = 90.0
DEFAULT_DELIVERY_RATE_MIN_PARTS = 100
DEFAULT_DELIVERY_RATE_PERIOD = cdk.Duration.hours(1)
DEFAULT_MAX_PROTECT_BLOCK_RATE_PERCENT = 10.0
DEFAULT_PROTECT_BLOCK_RATE_MIN_MESSAGES = 50
DEFAULT_MAX_OLDEST_MESSAGE_AGE = cdk.Duration.minutes(15)
DEFAULT_MAX_OPTED_OUT_REJECTIONS = 10
#: Default ``runbook_url``: none, so alarm descriptions carry no link until one is given (this library's documentation
#: has no published address yet; its incident runbook is ``docs/operations/incidents.md``).
DEFAULT_RUNBOOK_URL: str | None = None

_HOUR = cdk.Duration.hours(1)
_EMAIL_REDRIVE_REASON = (
    "An e-mail subscription of the alarm topic: an alarm notification SNS cannot deliver by mail (an unconfirmed or "
    "bouncing address) would land in a dead-letter queue nobody reads, while the alarm's state and history stay in "
    "CloudWatch and on the dashboard's alarm widget. Alarms also notify every other subscriber of the topic."
)
_COUNTRY = re.compile(r"[A-Z]{2}")
_DASHBOARD_NAME_PATTERN = r"[A-Za-z0-9_-]{1,255}"
_ALARM_PREFIX_PATTERN = r"[A-Za-z0-9_.-]{1,200}"
_EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[^@\s]+"
_NAMESPACE_PATTERN = r"[^:$][^:]{0,254}"
#: An http(s) URL without a fragment (the alarm's anchor is appended), short enough for ``AlarmDescription``.
_RUNBOOK_URL_PATTERN = r"https?://[^\s#]{1,500}"
#: ``QuotaUsed`` percentage of a producer's budget at which ``QuotaWarning.<producer>.<Period>`` fires.
QUOTA_WARNING_PERCENT = 80.0
#: The quota alarms' key prefixes (``<kind>.<producer>.<Period>``): each kind has one runbook section.
_QUOTA_ALARM_KINDS = ("QuotaWarning.", "QuotaExhausted.")
#: ``OriginationIdentityType`` values of ``AWS/SMSVoice``.
_IDENTITY_TYPES = ("PHONE_NUMBER", "SENDER_ID", "POOL", "RCS_AGENT")


class SmsMonitoring(Construct):
    """A CloudWatch dashboard and alarms for one configuration set and, optionally, its send queue, retries and
    event analytics.

    Alarms (each threshold is a prop; ``alarms`` holds them by key):

    - ``MonthlySpend<P>``: ``TextMessageMonthlySpend`` (Maximum, 1 hour) at ``P`` % of ``monthly_spend_limit_usd``,
      for each of ``spend_alarm_percentages`` (50, 80 and 100 by default);
    - ``DeliveryRate``: parts delivered / parts sent under ``min_delivery_rate_percent`` in 2 of 3 periods, evaluated
      only when at least ``delivery_rate_min_parts`` parts were sent in the period (no alarm at low traffic);
    - ``ProtectBlockRate``: share of messages blocked by the configuration set's protect configuration above
      ``max_protect_block_rate_percent`` in an hour with at least ``protect_block_rate_min_messages`` messages (only
      when a protect configuration is known);
    - with ``send_queue``: ``SendQueueDeadLetters`` (DLQ not empty), ``SendQueueOldestMessage`` (older than
      ``max_oldest_message_age``), ``SpendLimitHolds`` (any send held for the spend limit), ``CircuitBreakerOpen``
      (the sender's circuit breaker was open: a send was held, the sender only probes) and ``OptedOutRejections``
      (at least ``max_opted_out_rejections`` sends to opted-out numbers in an hour); for each producer with a quota
      (``SmsSendQueue(quotas=...)``) and each of its budgets (``Day``, ``Month``), ``QuotaWarning.<producer>.<Period>``
      (``QuotaUsed`` Maximum ≥ 80 %) and ``QuotaExhausted.<producer>.<Period>`` (≥ 100 %: its requests are held);
    - with ``retry``: ``RetryDeadLetters`` (DLQ not empty); with ``analytics``: ``FailedConversions`` (events Firehose
      could not convert to Parquet in an hour);
    - with ``status_notifier``: ``StatusDeadLetters`` (DLQ not empty), with queue or webhook targets
      ``StatusTargetDeadLetters`` (the targets' DLQ not empty), with webhook targets ``StatusWebhookFailures``
      (deliveries retried or failed in 3 consecutive periods of 5 minutes);
    - with ``inbound``: ``InboundDeadLetters`` (DLQ not empty) and, when it reconciles consent, ``ConsentDrift`` (at
      least one drift in a day) and ``ConsentReconciliationErrors`` (a failed reconciliation in a day).

    Every alarm notifies ``alarm_topic``, or a topic created here (KMS-encrypted, TLS only) with an optional e-mail
    subscription. Alarms treat missing data as not breaching: a quiet hour is not an incident. With ``runbook_url``,
    each alarm's description ends with a link to its section of the incident runbook (:meth:`runbook_anchor`).

    Example::

        SmsMonitoring(self, "Monitoring", configuration_set=config, send_queue=queue, monthly_spend_limit_usd=100,
                      alarm_email="sms-oncall@example.com")
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        configuration_set: IConfigurationSetRef,
        monthly_spend_limit_usd: float,
        send_queue: SmsSendQueue | None = None,
        retry: SmsRetry | None = None,
        analytics: SmsEventAnalytics | None = None,
        status_notifier: SmsStatusNotifier | None = None,
        inbound: SmsInbound | None = None,
        event_log_group: logs.ILogGroup | None = None,
        protect_configuration: IProtectConfigurationRef | None = None,
        countries: Sequence[str] | None = None,
        alarm_topic: sns.ITopic | None = None,
        alarm_email: str | None = None,
        alarm_name_prefix: str | None = None,
        dashboard_name: str | None = None,
        event_metrics_namespace: str | None = None,
        spend_alarm_percentages: Sequence[float] | None = None,
        min_delivery_rate_percent: float | None = None,
        delivery_rate_min_parts: int | None = None,
        delivery_rate_period: cdk.Duration | None = None,
        max_protect_block_rate_percent: float | None = None,
        protect_block_rate_min_messages: int | None = None,
        max_oldest_message_age: cdk.Duration | None = None,
        max_opted_out_rejections: int | None = None,
        runbook_url: str | None = None,
    ) -> None:
        """
        :param configuration_set: The configuration set the workload sends with (its protect configuration and the
            dashboard's title come from it).
        :param monthly_spend_limit_usd: The month's text spend, in USD, the spend alarms are measured against: the
            account's enforced limit (``SmsAccountSettings(text_spend_limit_override_usd=...)``) or a budget under it.
            Greater than 0. No default.
        :param send_queue: The send queue: its backlog, sender, pacing, rejections, held sends, circuit breaker and
            DLQ. Default: none (no send-path widgets or alarms).
        :param retry: The retries of ``send_queue``: retries, final failures, DLQ. Default: none.
        :param analytics: The event analytics: Firehose freshness and conversions, and its quick-look log group for the
            event metric filters. Default: none.
        :param status_notifier: The status notifier of ``send_queue``: its dead-letter queue, published, superseded and
            malformed records and, when it has queue or webhook targets, their dead-letter queue and the webhook
            deliveries EventBridge retries or gives up on. Create ``SmsMonitoring`` after the notifier's
            ``add_queue_target`` and ``add_webhook_target`` calls (a target added later fails synthesis). Default: none
            (no status widgets or alarms).
        :param inbound: The inbound (two-way) pattern: its dead-letter queue, messages, duplicates, replies, malformed
            records and, when it reconciles consent (``opt_out_list``), the drift and the reconciliation's errors.
            Default: none (no inbound widgets or alarms).
        :param event_log_group: The log group the configuration set writes its events to (a CloudWatch Logs event
            destination, e.g. ``analytics.quick_look_log_group``); the event metric filters are added to it. Default:
            ``analytics.quick_look_log_group`` when there is one, else no event metrics.
        :param protect_configuration: The protect configuration whose block rate is watched. Default: the one of
            ``configuration_set`` when it is a ``ConfigurationSet`` of this app that has one, else none (no protect
            alarm).
        :param countries: ISO 3166-1 alpha-2 codes of the destination countries graphed one by one (parts sent and
            delivered, protect blocks). Default: none (account totals only).
        :param alarm_topic: Where every alarm (and its return to OK) is published. Default: a topic created here,
            encrypted with a key of its own that only lets CloudWatch alarms of this account publish.
        :param alarm_email: An e-mail address subscribed to the alarm topic (AWS sends a confirmation mail first).
            Default: none.
        :param alarm_name_prefix: Prefix of the alarm names, ``<prefix>-<key>`` (e.g. ``acme-sms-MonthlySpend80``):
            letters, digits, ``. _ -``. Default: names generated by CloudFormation.
        :param dashboard_name: Name of the dashboard: letters, digits, ``_ -``. Default: generated by CloudFormation.
        :param event_metrics_namespace: CloudWatch namespace of the event metric filters (only with an event log
            group). Give each log group watched in one account and Region its own. Default:
            ``"SmsConstructs/Events"``.
        :param spend_alarm_percentages: Alarm when the month's spend reaches these percentages of
            ``monthly_spend_limit_usd`` (each above 0, at most 100, unique; all at most 1 draws the warning
            ``sms-constructs:PercentLooksLikeFraction``). Each alarm's amount must be at most the text spend limit
            override of an ``SmsAccountSettings`` of the same account and Region in the app. Default: ``[50, 80, 100]``.
        :param min_delivery_rate_percent: Alarm when fewer parts than this percentage of those sent are delivered
            (a percentage, 1–100: a fraction such as 0.95 is refused). Default: 90.
        :param delivery_rate_min_parts: Parts sent in a period below which the delivery rate is not evaluated (at least
            1). Default: 100.
        :param delivery_rate_period: Period of the delivery-rate alarm (1–24 hours; delivery receipts lag the sends).
            Default: 1 hour.
        :param max_protect_block_rate_percent: Alarm when more than this percentage of messages in an hour is blocked
            by the protect configuration (above 0, under 100; under 1 draws the warning
            ``sms-constructs:PercentLooksLikeFraction``). Default: 10.
        :param protect_block_rate_min_messages: Messages in an hour below which the block rate is not evaluated (at
            least 1). Default: 50.
        :param max_oldest_message_age: Alarm when the oldest request on the send queue is older (at least 1 minute,
            under the queue's 4-day retention). Default: 15 minutes.
        :param max_opted_out_rejections: Alarm when at least this many sends in an hour go to opted-out numbers (a
            stale contact list; at least 1). Default: 10.
        :param runbook_url: The address of an incident runbook page with a section per alarm — this library's
            (``operations/incidents.html`` of its documentation site) or your copy of it: each alarm's description ends
            with ``Runbook: <runbook_url>#<anchor>``, the anchor of its section (:meth:`runbook_anchor`, e.g.
            ``#delivery-rate``), so the notification links to what to do. An ``http://`` or ``https://`` address
            without a ``#`` fragment, at most 500 characters. Default: no link.
        """
        super().__init__(scope, id)
        limits = _Thresholds.validated(
            self,
            monthly_spend_limit_usd=monthly_spend_limit_usd,
            spend_alarm_percentages=spend_alarm_percentages,
            min_delivery_rate_percent=min_delivery_rate_percent,
            delivery_rate_min_parts=delivery_rate_min_parts,
            delivery_rate_period=delivery_rate_period,
            max_protect_block_rate_percent=max_protect_block_rate_percent,
            protect_block_rate_min_messages=protect_block_rate_min_messages,
            max_oldest_message_age=max_oldest_message_age,
            max_opted_out_rejections=max_opted_out_rejections,
        )
        #: The spend alarms' percentages of ``monthly_spend_limit_usd``.
        self.spend_alarm_percentages = list(limits.spend_alarm_percentages)
        self.countries = list(countries or [])
        for country in self.countries:
            check_pattern(self, "countries", country, _COUNTRY.pattern, "ISO 3166-1 alpha-2, e.g. 'US'")
        check_unique(self, "countries", self.countries, "countries")
        check_pattern(self, "alarm_email", alarm_email, _EMAIL_PATTERN, "an e-mail address")
        check_pattern(self, "alarm_name_prefix", alarm_name_prefix, _ALARM_PREFIX_PATTERN, "letters, digits, . _ -")
        check_pattern(self, "dashboard_name", dashboard_name, _DASHBOARD_NAME_PATTERN, "letters, digits, _ -")
        check_pattern(self, "runbook_url", runbook_url, _RUNBOOK_URL_PATTERN, "an http(s) address without a # fragment")
        check_pattern(
            self, "event_metrics_namespace", event_metrics_namespace, _NAMESPACE_PATTERN, "a CloudWatch namespace"
        )
        if (
            event_metrics_namespace is not None
            and event_log_group is None
            and (analytics is None or analytics.quick_look_log_group is None)
        ):
            raise ValidationError(
                self,
                "event_metrics_namespace",
                "names the namespace of the event metric filters, and there are none: give event_log_group, or "
                "analytics with a quick look (SmsEventAnalytics(quick_look=QuickLookLogs())), or leave it out",
                event_metrics_namespace,
            )
        if send_queue is not None and limits.max_oldest_message_age.to_seconds() >= QUEUE_RETENTION.to_seconds():
            raise ValidationError(
                self,
                "max_oldest_message_age",
                f"must be under the send queue's retention of {QUEUE_RETENTION.to_human_string()}: no request waits "
                "that long on the queue (a held request is re-enqueued as a new message before it would expire), so "
                "the alarm could never fire",
                limits.max_oldest_message_age,
            )
        if retry is not None and (send_queue is None or retry.send_queue is not send_queue):
            raise ValidationError(self, "retry", "must be the SmsRetry of the given send_queue", retry.node.path)
        watched = (
            ("send_queue", send_queue),
            ("retry", retry),
            ("analytics", analytics),
            ("status_notifier", status_notifier),
            ("inbound", inbound),
        )
        for prop, other in watched:
            if other is not None:
                _check_same_region(self, prop, other)

        #: The month's text spend the alarms measure against, in USD.
        self.monthly_spend_limit_usd = monthly_spend_limit_usd
        _guards.check_spend_alarms_under_overrides(self)
        self.configuration_set = configuration_set
        self.send_queue = send_queue
        self.retry = retry
        self.analytics = analytics
        #: The watched status notifier, or ``None``.
        self.status_notifier = status_notifier
        #: The watched inbound pattern, or ``None``.
        self.inbound = inbound
        self._watch_status_notifier(status_notifier, send_queue)
        self._alarm_name_prefix = alarm_name_prefix
        #: The runbook page the alarm descriptions link to, or ``None``.
        self.runbook_url = runbook_url if runbook_url is not None else DEFAULT_RUNBOOK_URL
        #: Namespace of the event metric filters' metrics.
        self.event_metrics_namespace = event_metrics_namespace or DEFAULT_EVENT_METRICS_NAMESPACE
        #: ID of the watched protect configuration, or ``None``.
        self.protect_configuration_id = _protect_configuration_id(configuration_set, protect_configuration)
        #: Every alarm, by key (``MonthlySpend80``, ``DeliveryRate``, ``SendQueueDeadLetters``, ...).
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        #: The event metric filters, by key (empty without an event log group).
        self.metric_filters: dict[str, logs.MetricFilter] = {}

        #: The topic every alarm notifies.
        self.alarm_topic: sns.ITopic = alarm_topic or self._create_alarm_topic()
        if alarm_email is not None:
            subscription = self.alarm_topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
            nag.acknowledge(subscription, nag.Serverless.SNS_REDRIVE_POLICY, _EMAIL_REDRIVE_REASON)
        self._action = cloudwatch_actions.SnsAction(self.alarm_topic)

        log_group = event_log_group
        if log_group is None and analytics is not None:
            log_group = analytics.quick_look_log_group
        #: The log group of the event metric filters, or ``None``.
        self.event_log_group = log_group
        if log_group is not None:
            self._add_metric_filters(log_group)

        self._add_alarms(limits)
        #: The dashboard.
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=dashboard_name,
            default_interval=cdk.Duration.days(1),
            widgets=self._widgets(limits.min_delivery_rate_percent),
        )

    def _watch_status_notifier(
        self, status_notifier: SmsStatusNotifier | None, send_queue: SmsSendQueue | None
    ) -> None:
        """Check ``status_notifier`` against ``send_queue`` and remember its target rules (the alarms and widgets are
        built for those; a target added later fails synthesis)."""
        if status_notifier is not None and send_queue is not None and status_notifier.send_queue is not send_queue:
            raise ValidationError(
                self,
                "status_notifier",
                f"must be the SmsStatusNotifier of the given send_queue ({send_queue.node.path}): the dashboard shows "
                "one send path",
                status_notifier.node.path,
            )
        #: The status notifier's target rules (queue and webhook) and, of those, the webhook rules, when this was built.
        self._status_targets: tuple[events.Rule, ...] = ()
        self._status_webhooks: tuple[events.Rule, ...] = ()
        if status_notifier is not None:
            self._status_targets, self._status_webhooks = _target_rules(status_notifier)
            if len(self._status_webhooks) > _MAX_WATCHED_WEBHOOKS:
                raise ValidationError(
                    self,
                    "status_notifier",
                    f"has more webhook targets than one alarm can watch ({_MAX_WATCHED_WEBHOOKS}; CloudWatch allows 10 "
                    "metrics per alarm, two per webhook): spread them over notifiers or watch the rest with alarms of "
                    "your own",
                    len(self._status_webhooks),
                )
            self.node.add_validation(_TargetsUnchanged(self, status_notifier))

    @staticmethod
    def runbook_anchor(alarm_key: str) -> str:
        """The anchor of an alarm's section in the incident runbook: its key (in ``alarms``) in lower-case words joined
        by ``-`` (``SendQueueDeadLetters`` → ``send-queue-dead-letters``); the spend alarms ``MonthlySpend<P>`` share
        ``monthly-spend``, the quota alarms ``QuotaWarning.<producer>.<Period>`` and
        ``QuotaExhausted.<producer>.<Period>`` share ``quota-warning`` and ``quota-exhausted``.

        :param alarm_key: A key of ``alarms``.
        """
        kind = alarm_key.split(".", 1)[0] if alarm_key.startswith(_QUOTA_ALARM_KINDS) else alarm_key
        words = re.findall(r"[A-Z][a-z]*", re.sub(r"[\d.]+$", "", kind)) or [alarm_key]
        return "-".join(word.lower() for word in words)

    # --- AWS/SMSVoice metrics ---------------------------------------------------------------------------------------

    def metric(
        self,
        metric_name: str,
        *,
        iso_country_code: str | None = None,
        protect_configuration_id: str | None = None,
        origination_identity_type: str | None = None,
        **options: Unpack[MetricOptions],
    ) -> cloudwatch.Metric:
        """A metric of the SMS service (namespace ``AWS/SMSVoice``), e.g. ``NumberOfMediaMessagePartsSent``.

        Only the dimension combinations the service publishes are accepted: none, ``iso_country_code``,
        ``protect_configuration_id`` (with or without ``iso_country_code``), or ``origination_identity_type`` alone;
        any other would be an empty graph.

        :param iso_country_code: The destination country (ISO 3166-1 alpha-2). Default: all countries.
        :param protect_configuration_id: A protect configuration. Default: all messages.
        :param origination_identity_type: ``PHONE_NUMBER``, ``SENDER_ID``, ``POOL`` or ``RCS_AGENT``. Default: all.
        :param options: ``cloudwatch.MetricOptions`` keywords. Default: ``Sum`` over 5 minutes.
        """
        if iso_country_code is not None:
            check_pattern(self, "iso_country_code", iso_country_code, _COUNTRY.pattern, "ISO 3166-1 alpha-2")
        if origination_identity_type is not None:
            if origination_identity_type not in _IDENTITY_TYPES:
                raise ValidationError(
                    self,
                    "origination_identity_type",
                    f"must be one of {', '.join(_IDENTITY_TYPES)}",
                    origination_identity_type,
                )
            if iso_country_code is not None or protect_configuration_id is not None:
                raise ValidationError(
                    self,
                    "origination_identity_type",
                    "is published alone: AWS/SMSVoice has no metric per identity type and country or protect "
                    "configuration",
                    {"iso_country_code": iso_country_code, "protect_configuration_id": protect_configuration_id},
                )
        dimensions = {
            name: value
            for name, value in (
                ("IsoCountryCode", iso_country_code),
                ("ProtectConfigurationId", protect_configuration_id),
                ("OriginationIdentityType", origination_identity_type),
            )
            if value is not None
        }
        return custom_metric(SMS_NAMESPACE, metric_name, dimensions, options)

    def metric_text_message_monthly_spend(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """The month-to-date text spend in USD (``TextMessageMonthlySpend``, a gauge that restarts each month).
        Default: ``Maximum`` over 1 hour (never ``Sum``)."""
        return self.metric(
            "TextMessageMonthlySpend", **with_defaults(options, statistic=cloudwatch.Stats.MAXIMUM, period=_HOUR)
        )

    def metric_text_message_parts_sent(
        self, *, iso_country_code: str | None = None, **options: Unpack[MetricOptions]
    ) -> cloudwatch.Metric:
        """Text message parts sent (``NumberOfTextMessagePartsSent``; without those blocked by protect or the spend
        limit). Default: ``Sum`` over 5 minutes, all countries."""
        return self.metric("NumberOfTextMessagePartsSent", iso_country_code=iso_country_code, **options)

    def metric_text_message_parts_delivered(
        self, *, iso_country_code: str | None = None, **options: Unpack[MetricOptions]
    ) -> cloudwatch.Metric:
        """Text message parts delivered (``NumberOfTextMessagePartsDelivered``; can exceed those sent with duplicate
        receipts, and lags them). Default: ``Sum`` over 5 minutes, all countries."""
        return self.metric("NumberOfTextMessagePartsDelivered", iso_country_code=iso_country_code, **options)

    def metric_text_messages_blocked_by_protect(
        self, *, iso_country_code: str | None = None, **options: Unpack[MetricOptions]
    ) -> cloudwatch.Metric:
        """Text messages blocked by the watched protect configuration (``TextMessagesBlockedByProtect``, 0 or 1 per
        message: ``statistic="Average"`` is the block rate). Default: ``Sum`` over 5 minutes, all countries; all
        messages when no protect configuration is known."""
        return self.metric(
            "TextMessagesBlockedByProtect",
            iso_country_code=iso_country_code,
            protect_configuration_id=self.protect_configuration_id,
            **options,
        )

    def metric_delivery_rate(
        self,
        *,
        iso_country_code: str | None = None,
        min_parts_sent: int | None = None,
        period: cdk.Duration | None = None,
    ) -> cloudwatch.MathExpression:
        """Parts delivered per 100 parts sent, in %: ``IF(FILL(sent, 0) >= min, 100 * FILL(delivered, 0) / sent)``.

        :param iso_country_code: One destination country. Default: all.
        :param min_parts_sent: A period with fewer parts sent has no value (no false alarm at low traffic). Default: 1.
        :param period: Default: 1 hour.
        """
        window = period or _HOUR
        guard = min_parts_sent if min_parts_sent is not None else 1
        return cloudwatch.MathExpression(
            expression=f"IF(FILL(sent, 0) >= {guard}, 100 * FILL(delivered, 0) / sent)",
            using_metrics={
                "sent": self.metric_text_message_parts_sent(iso_country_code=iso_country_code, period=window),
                "delivered": self.metric_text_message_parts_delivered(iso_country_code=iso_country_code, period=window),
            },
            label=f"Delivery rate %{f' ({iso_country_code})' if iso_country_code else ''}",
            period=window,
        )

    def metric_protect_block_rate(
        self,
        *,
        iso_country_code: str | None = None,
        min_messages: int | None = None,
        period: cdk.Duration | None = None,
    ) -> cloudwatch.MathExpression:
        """Messages blocked by the protect configuration per 100 messages, in %: ``IF(n >= min, 100 * average)`` over
        ``TextMessagesBlockedByProtect``.

        :param iso_country_code: One destination country. Default: all.
        :param min_messages: A period with fewer messages has no value. Default: 1.
        :param period: Default: 1 hour.
        """
        window = period or _HOUR
        guard = min_messages if min_messages is not None else 1
        blocked = self.metric_text_messages_blocked_by_protect(iso_country_code=iso_country_code, period=window)
        return cloudwatch.MathExpression(
            expression=f"IF(messages >= {guard}, 100 * blocked)",
            using_metrics={
                "blocked": blocked.with_(statistic=cloudwatch.Stats.AVERAGE),
                "messages": blocked.with_(statistic=cloudwatch.Stats.SAMPLE_COUNT),
            },
            label=f"Blocked by protect %{f' ({iso_country_code})' if iso_country_code else ''}",
            period=window,
        )

    # --- event metrics (metric filters) -------------------------------------------------------------------------------

    def metric_event(self, metric_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """A metric of the event metric filters: ``FinalFailures`` (also per ``MessageStatus``, and per ``Carrier``
        and ``Country`` through ``dimensions_map``), ``BlockedOrSpam`` or ``CarrierUnreachable``.

        :param options: ``cloudwatch.MetricOptions`` keywords. Default: ``Sum`` over 5 minutes, no dimension.
        """
        if metric_name not in _EVENT_METRICS:
            raise ValidationError(self, "metric_name", f"must be one of {', '.join(_EVENT_METRICS)}", metric_name)
        return custom_metric(self.event_metrics_namespace, metric_name, {}, options)

    def metric_final_failures(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Text messages whose final status is not DELIVERED or SUCCESSFUL (from the events). Default: ``Sum`` over 5
        minutes."""
        return self.metric_event(_FINAL_FAILURES, **options)

    # --- status notifier and inbound ---------------------------------------------------------------------------------

    def metric_status_webhook_failures(self, **options: Unpack[MetricOptions]) -> cloudwatch.MathExpression | None:
        """Deliveries to the status notifier's webhook targets that EventBridge retried (``RetryInvocationAttempts``:
        5xx, 429, timeouts) or gave up on (``FailedInvocations``), summed over the webhook rules (``AWS/Events``, per
        rule and bus). ``None`` without ``status_notifier`` or without a webhook target.

        :param options: ``period`` and ``label``. Default: 5 minutes.
        """
        if not self._status_webhooks:
            return None
        period = options.get("period") or _FIVE_MINUTES
        using: dict[str, cloudwatch.IMetric] = {}
        for index, rule in enumerate(self._status_webhooks):
            using[f"retried{index}"] = self._rule_metric(rule, "RetryInvocationAttempts", period)
            using[f"failed{index}"] = self._rule_metric(rule, "FailedInvocations", period)
        return cloudwatch.MathExpression(
            expression=" + ".join(f"FILL({name}, 0)" for name in using),
            using_metrics=using,
            label=options.get("label") or "Webhook deliveries retried or failed",
            period=period,
        )

    def _rule_metric(self, rule: events.Rule, metric_name: str, period: cdk.Duration) -> cloudwatch.Metric:
        """An ``AWS/Events`` metric of one rule of the status notifier's bus: ``RuleName`` alone on the default bus,
        with ``EventBusName`` on a custom bus (as EventBridge publishes them)."""
        assert self.status_notifier is not None
        bus = self.status_notifier.event_bus.event_bus_name
        dimensions = {"RuleName": rule.rule_name}
        if is_unresolved(bus) or bus != "default":
            dimensions = {"EventBusName": bus, **dimensions}
        return custom_metric(
            _EVENTS_NAMESPACE, metric_name, dimensions, {"period": period, "statistic": cloudwatch.Stats.SUM}
        )

    # --- internals ----------------------------------------------------------------------------------------------

    def _create_alarm_topic(self) -> sns.Topic:
        stack = cdk.Stack.of(self)
        key = kms.Key(
            self, "AlarmTopicKey", enable_key_rotation=True, description=f"sms-constructs alarm topic {self.node.path}"
        )
        limit_grants_to_aws_services(key)
        topic = sns.Topic(self, "AlarmTopic", master_key=key, enforce_ssl=True)
        alarms_of_this_account = {
            "StringEquals": {"aws:SourceAccount": stack.account},
            "ArnLike": {
                "aws:SourceArn": stack.format_arn(
                    service="cloudwatch",
                    resource="alarm",
                    resource_name="*",
                    arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                )
            },
        }
        cloudwatch_principal = iam.ServicePrincipal("cloudwatch.amazonaws.com")
        # CloudWatch publishes to an encrypted topic only with these two KMS actions on its key (Amazon SNS Developer
        # Guide, "Enable compatibility between event sources from AWS services and encrypted topics").
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublish",
                principals=[cloudwatch_principal],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" means this key
                conditions=alarms_of_this_account,
            )
        )
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublish",
                principals=[cloudwatch_principal],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions=alarms_of_this_account,
            )
        )
        return topic

    def _alarm(
        self,
        key: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        description: str,
        comparison: cloudwatch.ComparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluation_periods: int = 1,
        datapoints_to_alarm: int | None = None,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            f"{key}Alarm",
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_name=f"{self._alarm_name_prefix}-{key}" if self._alarm_name_prefix else None,
            alarm_description=self._with_runbook_link(key, description),
        )
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        self.alarms[key] = alarm
        return alarm

    def _with_runbook_link(self, key: str, description: str) -> str:
        """``description``, and the link to the alarm's runbook section when there is a runbook."""
        if self.runbook_url is None:
            return description
        return f"{description} Runbook: {self.runbook_url}#{self.runbook_anchor(key)}"

    def _add_alarms(self, limits: _Thresholds) -> None:
        min_delivery, min_parts = limits.min_delivery_rate_percent, limits.delivery_rate_min_parts
        delivery_period, max_block = limits.delivery_rate_period, limits.max_protect_block_rate_percent
        min_messages, max_age = limits.protect_block_rate_min_messages, limits.max_oldest_message_age
        max_opted_out = limits.max_opted_out_rejections
        spend = self.metric_text_message_monthly_spend()
        for percentage in sorted(self.spend_alarm_percentages):
            amount = round(self.monthly_spend_limit_usd * percentage / 100, 2)
            self._alarm(
                f"MonthlySpend{_number(percentage)}",
                spend,
                threshold=amount,
                description=(
                    f"The month's text spend reached {_number(percentage)} % of {_number(self.monthly_spend_limit_usd)}"
                    f" USD ({amount} USD; AWS/SMSVoice TextMessageMonthlySpend). At the account's enforced limit the "
                    "service refuses every send until the month ends: raise the limit (SmsAccountSettings "
                    "text_spend_limit_override_usd, or a quota increase) before it is reached."
                ),
            )
        self._alarm(
            "DeliveryRate",
            self.metric_delivery_rate(min_parts_sent=min_parts, period=delivery_period),
            threshold=min_delivery,
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            description=(
                f"Fewer than {_number(min_delivery)} % of the text message parts sent were delivered in 2 of the last "
                f"3 periods of {delivery_period.to_human_string()} with at least {min_parts} parts sent. Look at the "
                "final failures by status and carrier on the dashboard."
            ),
        )
        if self.protect_configuration_id is not None:
            self._alarm(
                "ProtectBlockRate",
                self.metric_protect_block_rate(min_messages=min_messages),
                threshold=max_block,
                comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                description=(
                    f"More than {_number(max_block)} % of the messages of an hour (at least {min_messages}) were "
                    "blocked by the protect configuration: traffic to a blocked country, or SMS pumping."
                ),
            )
        if self.send_queue is not None:
            queue = self.send_queue
            self._alarm(
                "SendQueueDeadLetters",
                queue.metric_dead_letter_messages(),
                threshold=1,
                description=(
                    "Send requests are in the send queue's dead-letter queue: the sender failed on them repeatedly (a "
                    "held send never goes there: it waits on the queue). Fix the cause, then redrive the DLQ."
                ),
            )
            self._alarm(
                "SendQueueOldestMessage",
                queue.metric_oldest_message_age(),
                threshold=max_age.to_seconds(),
                description=(
                    f"A send request has waited more than {max_age.to_human_string()} on the send queue: a backlog "
                    "above the identity's MPS, or sends held for the account."
                ),
            )
            self._alarm(
                "SpendLimitHolds",
                queue.metric_sends_held(reason=SPEND_LIMIT_REASON),
                threshold=1,
                description=(
                    f"Sends are held because the monthly text spend limit is reached ({SPEND_LIMIT_REASON}): "
                    "nothing is sent until the limit is raised or the month ends; held requests wait on the queue "
                    "until then, or until their deadline."
                ),
            )
            self._alarm(
                "CircuitBreakerOpen",
                queue.metric_circuit_breaker_open(),
                threshold=1,
                description=(
                    "The send queue's circuit breaker is open: a send was held for a reason about the account, a "
                    "limit, the identity or the deployment (spend limit, sandbox, inactive or deleted identity, access "
                    "denied). The sender stops calling SendTextMessage and probes once per breaker_probe_interval; "
                    "queued requests wait on the queue (never moved to the DLQ for it) until a probe is accepted, or "
                    "their deadline passes. Fix the cause the held reason names (Held sends by reason)."
                ),
            )
            self._alarm(
                "OptedOutRejections",
                queue.metric_messages_rejected(reason=OPTED_OUT_REASON, period=_HOUR),
                threshold=max_opted_out,
                description=(
                    f"At least {max_opted_out} sends in an hour went to numbers that opted out "
                    "(DESTINATION_PHONE_NUMBER_OPTED_OUT): the contact list is stale."
                ),
            )
            self._add_quota_alarms(queue)
        if self.retry is not None:
            self._alarm(
                "RetryDeadLetters",
                self.retry.metric_dead_letter_messages(),
                threshold=1,
                description="Delivery events the retry function could not process are in its dead-letter queue.",
            )
        if self.analytics is not None:
            self._alarm(
                "FailedConversions",
                self.analytics.metric_failed_conversions(period=_HOUR),
                threshold=1,
                description=(
                    "Firehose could not convert SMS events to Parquet: they are under errors/ in the bucket and "
                    "Athena does not see them."
                ),
            )

        self._add_after_send_alarms()

    def _add_quota_alarms(self, queue: SmsSendQueue) -> None:
        """Two alarms per producer with a quota and per budget it has: ``QuotaUsed`` (Maximum over 5 minutes) at
        :data:`QUOTA_WARNING_PERCENT` and at 100 %."""
        for producer, quota in queue.quotas.items():
            for period, parts in (("Day", quota.daily_parts), ("Month", quota.monthly_parts)):
                if parts is None:
                    continue
                used = queue.metric_quota_used(producer, period)
                span = "UTC day" if period == "Day" else "UTC month"
                self._alarm(
                    f"QuotaWarning.{producer}.{period}",
                    used,
                    threshold=QUOTA_WARNING_PERCENT,
                    description=(
                        f"Producer {producer} has used {_number(QUOTA_WARNING_PERCENT)} % or more of its {span}'s "
                        f"budget of {parts} message parts (QuotaUsed, Period={period}). At 100 % its requests are "
                        "held on the send queue until the period ends or the budget is raised."
                    ),
                )
                self._alarm(
                    f"QuotaExhausted.{producer}.{period}",
                    used,
                    threshold=100,
                    description=(
                        f"Producer {producer} has used its {span}'s budget of {parts} message parts (QuotaUsed, "
                        f"Period={period}): its requests are held (SendsHeld reason QUOTA_EXCEEDED), never rejected, "
                        "until the period ends or the budget is raised by a deploy; those whose deadline passes first "
                        "are rejected EXPIRED."
                    ),
                )

    def _add_after_send_alarms(self) -> None:
        """The status notifier's and the inbound pattern's alarms."""
        notifier, inbound = self.status_notifier, self.inbound
        if notifier is not None:
            self._alarm(
                "StatusDeadLetters",
                notifier.metric_dead_letter_messages(),
                threshold=1,
                description=(
                    "Records the status function could not process are in its dead-letter queue (SMS events, store "
                    "stream batches, or events SNS could not deliver): those status changes were not published. Fix "
                    "the cause, then redrive the DLQ."
                ),
            )
            if self._status_targets:
                self._alarm(
                    "StatusTargetDeadLetters",
                    notifier.metric_target_dead_letter_messages(),
                    threshold=1,
                    description=(
                        "EventBridge could not deliver status events to a queue or webhook target of the status "
                        "notifier (retries exhausted, or a 4xx other than 429): they wait in the targets' dead-letter "
                        "queue for 14 days. Fix the target, then replay them."
                    ),
                )
            webhook_failures = self.metric_status_webhook_failures()
            if webhook_failures is not None:
                self._alarm(
                    "StatusWebhookFailures",
                    webhook_failures,
                    threshold=1,
                    evaluation_periods=3,
                    datapoints_to_alarm=3,
                    description=(
                        "EventBridge retried or gave up on deliveries of status events to a webhook target in each of "
                        "the last 3 periods of 5 minutes: the endpoint answers 5xx or 429, times out, or refuses the "
                        "connection's credentials. EventBridge keeps retrying for 24 hours, then moves the events to "
                        "the targets' dead-letter queue."
                    ),
                )
        if inbound is not None:
            self._alarm(
                "InboundDeadLetters",
                inbound.metric_dead_letter_messages(),
                threshold=1,
                description=(
                    "Inbound messages the inbound function could not handle are in its dead-letter queue (or SNS "
                    "could not deliver them to the queue): no keyword was routed, no reply sent and no consent "
                    "recorded for them. Fix the cause, then redrive the DLQ."
                ),
            )
            if inbound.reconciliation_function is not None:
                # Only the ledger's own changes missing from the list: numbers the list held before the ledger
                # existed (ON_LIST_NOT_IN_LEDGER) are drift too, but would keep the alarm on for good.
                ledger_drift = cloudwatch.MathExpression(
                    expression="optedOut + optedIn",
                    using_metrics={
                        alias: inbound.metric_consent_drift(period=_DAY, dimensions_map={DIMENSION_REASON: kind})
                        for alias, kind in (
                            ("optedOut", DriftKind.LEDGER_OPTED_OUT_NOT_ON_LIST),
                            ("optedIn", DriftKind.LEDGER_OPTED_IN_ON_LIST),
                        )
                    },
                    period=_DAY,
                    label="Consent changes missing from the opt-out list",
                )
                self._alarm(
                    "ConsentDrift",
                    ledger_drift,
                    threshold=1,
                    description=(
                        "The consent reconciliation found numbers whose newest consent change in the ledger is not on "
                        "the opt-out list (LEDGER_OPTED_OUT_NOT_ON_LIST: a STOP the list missed; "
                        "LEDGER_OPTED_IN_ON_LIST: a START the list did not take). Numbers on the list the ledger never "
                        "saw (ON_LIST_NOT_IN_LEDGER) are published as ConsentDrift events but do not alarm."
                    ),
                )
                self._alarm(
                    "ConsentReconciliationErrors",
                    inbound.reconciliation_function.metric_errors(period=_DAY, statistic=cloudwatch.Stats.SUM),
                    threshold=1,
                    description=(
                        "The consent reconciliation failed in the last day: drift is not being checked. Its log "
                        "group says why (throttling, access denied, a missing opt-out list)."
                    ),
                )

    def _add_metric_filters(self, log_group: logs.ILogGroup) -> None:
        text_final = [
            logs.FilterPattern.string_value("$.eventType", "=", "TEXT_*"),
            logs.FilterPattern.boolean_value("$.isFinal", True),
        ]
        failure = [
            logs.FilterPattern.exists("$.messageStatus"),
            *(logs.FilterPattern.string_value("$.messageStatus", "!=", status) for status in sorted(SUCCESS_STATUSES)),
        ]
        definitions: dict[str, tuple[str, logs.IFilterPattern, dict[str, str]]] = {
            "FinalFailures": (_FINAL_FAILURES, logs.FilterPattern.all(*text_final, *failure), {}),
            "FinalFailuresByStatus": (
                _FINAL_FAILURES,
                logs.FilterPattern.all(*text_final, *failure),
                {"MessageStatus": "$.messageStatus"},
            ),
            "FinalFailuresByCarrier": (
                _FINAL_FAILURES,
                logs.FilterPattern.all(
                    *text_final,
                    *failure,
                    logs.FilterPattern.exists("$.carrierName"),
                    logs.FilterPattern.exists("$.isoCountryCode"),
                ),
                {"Carrier": "$.carrierName", "Country": "$.isoCountryCode"},
            ),
            "BlockedOrSpam": (
                _BLOCKED_OR_SPAM,
                logs.FilterPattern.all(
                    *text_final,
                    logs.FilterPattern.any(
                        *(logs.FilterPattern.string_value("$.messageStatus", "=", s) for s in BLOCKED_STATUSES)
                    ),
                ),
                {},
            ),
            "CarrierUnreachable": (
                _CARRIER_UNREACHABLE,
                logs.FilterPattern.all(
                    *text_final, logs.FilterPattern.string_value("$.messageStatus", "=", "CARRIER_UNREACHABLE")
                ),
                {},
            ),
        }
        for key, (metric_name, pattern, dimensions) in definitions.items():
            self.metric_filters[key] = logs.MetricFilter(
                self,
                f"{key}Filter",
                log_group=log_group,
                filter_pattern=pattern,
                metric_namespace=self.event_metrics_namespace,
                metric_name=metric_name,
                metric_value="1",
                dimensions=dimensions or None,
                unit=cloudwatch.Unit.COUNT,
            )

    def _search(self, namespace: str, dimensions: Sequence[str], metric_name: str, extra: str, period: int) -> str:
        schema = ",".join([namespace, *dimensions])
        return f"SEARCH('{{{schema}}} MetricName=\"{metric_name}\"{extra}', 'Sum', {period})"

    def _widgets(self, min_delivery: float) -> list[list[cloudwatch.IWidget]]:
        rows: list[list[cloudwatch.IWidget]] = []
        spend = self.metric_text_message_monthly_spend()
        limit = self.monthly_spend_limit_usd
        title = self.configuration_set.configuration_set_ref.configuration_set_name
        rows.append(
            [
                cloudwatch.TextWidget(
                    markdown=(
                        "# SMS\nConfiguration set **"
                        + (title if not is_unresolved(title) else "(see the stack)")
                        + "**. `AWS/SMSVoice` metrics are per account and Region, and appear only once the "
                        "service-linked role `AWSServiceRoleForSMSVoice` exists."
                    ),
                    width=24,
                    height=2,
                )
            ]
        )
        rows.append(
            [
                cloudwatch.SingleValueWidget(
                    title="Text spend this month (USD)",
                    metrics=[spend],
                    width=6,
                    height=6,
                    set_period_to_time_range=False,
                ),
                cloudwatch.GraphWidget(
                    title="Text spend this month (USD)",
                    left=[spend],
                    left_annotations=[
                        cloudwatch.HorizontalAnnotation(
                            value=round(limit * p / 100, 2), label=f"{_number(p)} % of {_number(limit)} USD"
                        )
                        for p in sorted(self.spend_alarm_percentages)
                    ],
                    width=18,
                    height=6,
                ),
            ]
        )
        delivery: list[cloudwatch.IWidget] = [
            cloudwatch.GraphWidget(
                title="Text message parts sent and delivered",
                left=[
                    self.metric_text_message_parts_sent(period=_HOUR, label="Sent"),
                    self.metric_text_message_parts_delivered(period=_HOUR, label="Delivered"),
                ],
                right=[self.metric_delivery_rate()],
                right_annotations=[cloudwatch.HorizontalAnnotation(value=min_delivery, label="Alarm under")],
                width=12,
                height=6,
            ),
            cloudwatch.GraphWidget(
                title="Blocked by protect (%)" if self.protect_configuration_id else "Blocked by protect (account)",
                left=[self.metric_protect_block_rate()],
                right=[self.metric_text_messages_blocked_by_protect(period=_HOUR, label="Blocked")],
                width=12,
                height=6,
            ),
        ]
        rows.append(delivery)
        for country in self.countries:
            rows.append(
                [
                    cloudwatch.GraphWidget(
                        title=f"{country}: parts sent and delivered",
                        left=[
                            self.metric_text_message_parts_sent(iso_country_code=country, period=_HOUR, label="Sent"),
                            self.metric_text_message_parts_delivered(
                                iso_country_code=country, period=_HOUR, label="Delivered"
                            ),
                        ],
                        right=[self.metric_delivery_rate(iso_country_code=country)],
                        width=12,
                        height=6,
                    ),
                    cloudwatch.GraphWidget(
                        title=f"{country}: blocked by protect",
                        left=[self.metric_protect_block_rate(iso_country_code=country)],
                        right=[
                            self.metric_text_messages_blocked_by_protect(
                                iso_country_code=country, period=_HOUR, label="Blocked"
                            )
                        ],
                        width=12,
                        height=6,
                    ),
                ]
            )
        if self.send_queue is not None:
            rows.extend(self._send_queue_widgets(self.send_queue))
        if self.metric_filters:
            rows.append(self._event_widgets())
        if self.analytics is not None:
            rows.append(
                [
                    cloudwatch.GraphWidget(
                        title="Analytics: Firehose data freshness (s)",
                        left=[self.analytics.metric_data_freshness()],
                        width=12,
                        height=6,
                    ),
                    cloudwatch.GraphWidget(
                        title="Analytics: events received and failed conversions",
                        left=[self.analytics.metric_incoming_records(label="Received")],
                        right=[self.analytics.metric_failed_conversions(label="Failed conversions")],
                        width=12,
                        height=6,
                    ),
                ]
            )
        if self.status_notifier is not None:
            rows.append(self._status_widgets(self.status_notifier))
        if self.inbound is not None:
            rows.append(self._inbound_widgets(self.inbound))
        rows.append(
            [cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms.values()), width=24, height=4)]
        )
        return rows

    def _status_widgets(self, notifier: SmsStatusNotifier) -> list[cloudwatch.IWidget]:
        dead_letters = [notifier.metric_dead_letter_messages(label="Status DLQ")]
        if self._status_targets:
            dead_letters.append(notifier.metric_target_dead_letter_messages(label="Targets' DLQ"))
        widgets: list[cloudwatch.IWidget] = [
            cloudwatch.GraphWidget(
                title="Status events: published, superseded, malformed",
                left=[
                    notifier.metric(StatusMetric.EVENTS_PUBLISHED, label="Published"),
                    notifier.metric(StatusMetric.CHANGES_SUPERSEDED, label="Superseded (late, duplicate)"),
                    notifier.metric(StatusMetric.FOREIGN_EVENTS, label="Not from the send queue"),
                ],
                right=[notifier.metric(StatusMetric.MALFORMED_RECORDS, label="Malformed records")],
                width=8,
                height=6,
            ),
            cloudwatch.GraphWidget(title="Status: dead-letter queues", left=dead_letters, width=8, height=6),
        ]
        if self._status_webhooks:
            period = _FIVE_MINUTES
            webhooks: list[cloudwatch.IMetric] = []
            for rule in self._status_webhooks:
                name = rule.node.id
                webhooks.extend(
                    [
                        self._rule_metric(rule, "SuccessfulInvocationAttempts", period).with_(
                            label=f"{name}: delivered"
                        ),
                        self._rule_metric(rule, "RetryInvocationAttempts", period).with_(label=f"{name}: retried"),
                        self._rule_metric(rule, "FailedInvocations", period).with_(label=f"{name}: failed"),
                    ]
                )
            widgets.append(cloudwatch.GraphWidget(title="Status webhooks", left=webhooks, width=8, height=6))
        return widgets

    def _inbound_widgets(self, inbound: SmsInbound) -> list[cloudwatch.IWidget]:
        widgets: list[cloudwatch.IWidget] = [
            cloudwatch.GraphWidget(
                title="Inbound: messages, duplicates, replies, malformed",
                left=[
                    inbound.metric(InboundMetric.MESSAGES, label="Messages"),
                    inbound.metric(InboundMetric.DUPLICATES, label="Duplicates"),
                    inbound.metric(InboundMetric.REPLIES_QUEUED, label="Replies queued"),
                    inbound.metric(InboundMetric.OUT_OF_ORDER, label="Out-of-order consent changes"),
                ],
                right=[inbound.metric(InboundMetric.MALFORMED, label="Malformed records")],
                width=8,
                height=6,
            ),
            cloudwatch.GraphWidget(
                title="Inbound: dead-letter queue",
                left=[inbound.metric_dead_letter_messages(label="Inbound DLQ")],
                width=8,
                height=6,
            ),
        ]
        if inbound.reconciliation_function is not None:
            drift = self._search(
                inbound.metrics_namespace,
                [_REASON, _SERVICE],
                InboundMetric.CONSENT_DRIFT,
                f' {_SERVICE}="{inbound.service_name}"',
                86_400,
            )
            widgets.append(
                cloudwatch.GraphWidget(
                    title="Consent drift by kind (a day), reconciliation errors",
                    left=[cloudwatch.SearchExpression(expression=drift, label="", period=_DAY)],
                    right=[
                        inbound.reconciliation_function.metric_errors(
                            period=_DAY, statistic=cloudwatch.Stats.SUM, label="Reconciliation errors"
                        )
                    ],
                    width=8,
                    height=6,
                )
            )
        return widgets

    def _send_queue_widgets(self, queue: SmsSendQueue) -> list[list[cloudwatch.IWidget]]:
        reasons = f' {_SERVICE}="{queue.service_name}"'
        first: list[cloudwatch.IWidget] = [
            cloudwatch.GraphWidget(
                title="Send queue: waiting requests and oldest (s)",
                left=[queue.metric_messages_waiting(label="Waiting")],
                right=[queue.metric_oldest_message_age(label="Oldest (s)")],
                width=8,
                height=6,
            ),
            cloudwatch.GraphWidget(
                title="Sender: sent, throttled, failed",
                left=[
                    queue.metric_messages_sent(label="Sent"),
                    queue.metric_transient_send_failures(label="Transient failures (throttling, faults)"),
                    queue.metric_send_outcome_unknown(label="Outcome unknown"),
                ],
                right=[
                    queue.metric_sender_errors(label="Function errors"),
                    queue.metric_sender_throttles(label="Function throttles"),
                ],
                width=8,
                height=6,
            ),
            cloudwatch.GraphWidget(
                title="Dead-letter queues",
                left=[
                    queue.metric_dead_letter_messages(label="Send queue DLQ"),
                    *([self.retry.metric_dead_letter_messages(label="Retry DLQ")] if self.retry is not None else []),
                ],
                width=8,
                height=6,
            ),
        ]

        def by_reason(title: str, metric_name: str) -> cloudwatch.GraphWidget:
            """A graph of every ``Reason`` of one of the sender's per-reason metrics (a SEARCH expression)."""
            expression = self._search(queue.metrics_namespace, [_REASON, _SERVICE], metric_name, reasons, 300)
            return cloudwatch.GraphWidget(
                title=title, left=[cloudwatch.SearchExpression(expression=expression, label="")], width=8, height=6
            )

        second: list[cloudwatch.IWidget] = [
            by_reason("Rejections by reason", SenderMetric.REJECTED),
            by_reason("Held sends by reason (account, limit, identity)", SenderMetric.SENDS_HELD),
        ]
        if self.retry is not None:
            second.append(
                cloudwatch.GraphWidget(
                    title="Retries and final failures",
                    left=[
                        self.retry.metric_retries_scheduled(label="Retries"),
                        self.retry.metric_final_failures(label="Final failures"),
                    ],
                    width=8,
                    height=6,
                )
            )
        causes = self._search(
            queue.metrics_namespace, [_CAUSE, _SERVICE], SenderMetric.RECEIVES_WITHOUT_SEND, reasons, 300
        )
        third: list[cloudwatch.IWidget] = [
            cloudwatch.GraphWidget(
                title="Pacing: lost send opportunities",
                left=[
                    queue.metric_pacer_slots_abandoned(label="Slots abandoned (woke too late)"),
                    queue.metric_pacer_contention(label="Pacer contention (handed back)"),
                    queue.metric_messages_deferred(label="Deferred near the deadline"),
                ],
                right=[cloudwatch.SearchExpression(expression=causes, label="")],
                right_y_axis=cloudwatch.YAxisProps(label="Receives without a send, by cause", show_units=False),
                width=12,
                height=6,
            ),
            cloudwatch.GraphWidget(
                title="Circuit breaker: open, probes",
                left=[queue.metric_circuit_breaker_open(label="Open (1)")],
                right=[queue.metric_circuit_breaker_probes(label="Probe sends")],
                left_annotations=[cloudwatch.HorizontalAnnotation(value=1, label="Alarm at")],
                width=12,
                height=6,
            ),
        ]
        return [first, second, third]

    def _event_widgets(self) -> list[cloudwatch.IWidget]:
        namespace = self.event_metrics_namespace
        return [
            cloudwatch.GraphWidget(
                title="Final failures by status (events)",
                left=[
                    cloudwatch.SearchExpression(
                        expression=self._search(namespace, ["MessageStatus"], _FINAL_FAILURES, "", 3600), label=""
                    )
                ],
                width=8,
                height=6,
            ),
            cloudwatch.GraphWidget(
                title="Final failures by carrier (events)",
                left=[
                    cloudwatch.SearchExpression(
                        expression=self._search(namespace, ["Carrier", "Country"], _FINAL_FAILURES, "", 3600), label=""
                    )
                ],
                width=8,
                height=6,
            ),
            cloudwatch.GraphWidget(
                title="Blocked or spam, carrier unreachable (events)",
                left=[
                    self.metric_event(_BLOCKED_OR_SPAM, period=_HOUR, label="Blocked or spam"),
                    self.metric_event(_CARRIER_UNREACHABLE, period=_HOUR, label="Carrier unreachable"),
                ],
                width=8,
                height=6,
            ),
        ]


@dataclass(frozen=True)
class _Thresholds:
    """The alarm thresholds of one ``SmsMonitoring``, defaults applied and validated."""

    monthly_spend_limit_usd: float
    spend_alarm_percentages: tuple[float, ...]
    min_delivery_rate_percent: float
    delivery_rate_min_parts: int
    delivery_rate_period: cdk.Duration
    max_protect_block_rate_percent: float
    protect_block_rate_min_messages: int
    max_oldest_message_age: cdk.Duration
    max_opted_out_rejections: int

    @classmethod
    def validated(
        cls,
        scope: Construct,
        *,
        monthly_spend_limit_usd: float,
        spend_alarm_percentages: Sequence[float] | None,
        min_delivery_rate_percent: float | None,
        delivery_rate_min_parts: int | None,
        delivery_rate_period: cdk.Duration | None,
        max_protect_block_rate_percent: float | None,
        protect_block_rate_min_messages: int | None,
        max_oldest_message_age: cdk.Duration | None,
        max_opted_out_rejections: int | None,
    ) -> _Thresholds:
        """The thresholds with their defaults; raises ``ValidationError`` (naming ``scope``) for one out of range."""
        limits = cls(
            monthly_spend_limit_usd=monthly_spend_limit_usd,
            spend_alarm_percentages=tuple(
                spend_alarm_percentages if spend_alarm_percentages is not None else DEFAULT_SPEND_ALARM_PERCENTAGES
            ),
            min_delivery_rate_percent=_default(min_delivery_rate_percent, DEFAULT_MIN_DELIVERY_RATE_PERCENT),
            delivery_rate_min_parts=_default(delivery_rate_min_parts, DEFAULT_DELIVERY_RATE_MIN_PARTS),
            delivery_rate_period=delivery_rate_period or DEFAULT_DELIVERY_RATE_PERIOD,
            max_protect_block_rate_percent=_default(
                max_protect_block_rate_percent, DEFAULT_MAX_PROTECT_BLOCK_RATE_PERCENT
            ),
            protect_block_rate_min_messages=_default(
                protect_block_rate_min_messages, DEFAULT_PROTECT_BLOCK_RATE_MIN_MESSAGES
            ),
            max_oldest_message_age=max_oldest_message_age or DEFAULT_MAX_OLDEST_MESSAGE_AGE,
            max_opted_out_rejections=_default(max_opted_out_rejections, DEFAULT_MAX_OPTED_OUT_REJECTIONS),
        )
        check_range(scope, "monthly_spend_limit_usd", limits.monthly_spend_limit_usd, 0.01, 1_000_000_000, "USD")
        if not limits.spend_alarm_percentages:
            raise ValidationError(scope, "spend_alarm_percentages", "must hold at least one percentage", [])
        for percentage in limits.spend_alarm_percentages:
            check_range(scope, "spend_alarm_percentages", percentage, 0.01, 100, "%")
        check_unique(scope, "spend_alarm_percentages", limits.spend_alarm_percentages, "percentages")
        if all(percentage <= 1 for percentage in limits.spend_alarm_percentages):
            _warn_fraction(scope, "spend_alarm_percentages", list(limits.spend_alarm_percentages))
        check_range(scope, "min_delivery_rate_percent", limits.min_delivery_rate_percent, 0, 100, "%")
        _check_percent_not_fraction(scope, "min_delivery_rate_percent", limits.min_delivery_rate_percent, "95")
        check_range(scope, "delivery_rate_min_parts", limits.delivery_rate_min_parts, 1, 10_000_000, "parts")
        period = limits.delivery_rate_period.to_seconds()
        check_range(scope, "delivery_rate_period", period, 3600, 86_400, "seconds")
        check_range(scope, "max_protect_block_rate_percent", limits.max_protect_block_rate_percent, 0.01, 100, "%")
        if limits.max_protect_block_rate_percent == 100:
            raise ValidationError(
                scope,
                "max_protect_block_rate_percent",
                "must be under 100: the alarm fires above it, and no more than 100 % of messages can be blocked",
                limits.max_protect_block_rate_percent,
            )
        if limits.max_protect_block_rate_percent < 1:
            _warn_fraction(scope, "max_protect_block_rate_percent", limits.max_protect_block_rate_percent)
        messages = limits.protect_block_rate_min_messages
        check_range(scope, "protect_block_rate_min_messages", messages, 1, 10_000_000, "messages")
        age = limits.max_oldest_message_age.to_seconds()
        check_range(scope, "max_oldest_message_age", age, 60, 14 * 86_400, "seconds")
        rejections = limits.max_opted_out_rejections
        check_range(scope, "max_opted_out_rejections", rejections, 1, 10_000_000, "rejections")
        return limits


_FINAL_FAILURES = "FinalFailures"
_EVENTS_NAMESPACE = "AWS/Events"
_FIVE_MINUTES = cdk.Duration.minutes(5)
_DAY = cdk.Duration.days(1)
#: CloudWatch allows 10 metrics in an alarm; the webhook alarm reads two per webhook rule.
_MAX_WATCHED_WEBHOOKS = 5
_BLOCKED_OR_SPAM = "BlockedOrSpam"
_CARRIER_UNREACHABLE = "CarrierUnreachable"
_EVENT_METRICS = (_FINAL_FAILURES, _BLOCKED_OR_SPAM, _CARRIER_UNREACHABLE)
_REASON = "Reason"
_CAUSE = DIMENSION_CAUSE
_SERVICE = "service"
_T = TypeVar("_T")


#: Warning id: a percentage prop whose every value is at most 1, as if a fraction were given.
PERCENT_AS_FRACTION_WARNING = "sms-constructs:PercentLooksLikeFraction"


def _check_percent_not_fraction(scope: Construct, prop: str, value: float, example: str) -> None:
    """Refuse a lower bound given as a fraction (``0.95``) or 0: the delivery rate is in %, 0–100, and an alarm under
    0.95 % (or under 0 %) would never fire while delivery fails."""
    if is_unresolved(value):
        return
    if value == 0:
        raise ValidationError(
            scope,
            prop,
            "must be above 0: the alarm fires under it, and a rate is never under 0 %, so it never fires",
            0,
        )
    if value < 1:
        raise ValidationError(
            scope,
            prop,
            f"is a percentage (0-100), not a fraction: {_number(value)} would alarm only when fewer than "
            f"{_number(value)} % of parts are delivered; for {_number(value * 100)} % give {_number(value * 100)} "
            f"(e.g. {example})",
            value,
        )


def _warn_fraction(scope: Construct, prop: str, value: object) -> None:
    cdk.Annotations.of(scope).add_warning_v2(
        PERCENT_AS_FRACTION_WARNING,
        f"{prop}={value}: this prop is a percentage (0-100), and every value given is at most 1 %, as if a fraction "
        "had been given (0.8 for 80 %). Give percentages, or acknowledge this warning if you mean under 1 %.",
    )


def _default(value: _T | None, default: _T) -> _T:
    return default if value is None else value


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _protect_configuration_id(
    configuration_set: IConfigurationSetRef, protect: IProtectConfigurationRef | None
) -> str | None:
    if protect is not None:
        return protect.protect_configuration_ref.protect_configuration_id
    if isinstance(configuration_set, ConfigurationSet):
        identifier = configuration_set.resource.protect_configuration_id
        return identifier if isinstance(identifier, str) else None
    return None


def _check_same_region(scope: Construct, prop: str, other: Construct) -> None:
    """CloudWatch alarms can only watch metrics of their own Region."""
    ours, theirs = cdk.Stack.of(scope).region, cdk.Stack.of(other).region
    if not cdk.Token.is_unresolved(ours) and not cdk.Token.is_unresolved(theirs) and ours != theirs:
        raise ValidationError(
            scope,
            prop,
            f"must be in this stack's Region ({ours}): CloudWatch alarms only watch metrics of their own Region",
            f"{other.node.path} ({theirs})",
        )


def _target_rules(notifier: SmsStatusNotifier) -> tuple[tuple[events.Rule, ...], tuple[events.Rule, ...]]:
    """The notifier's target rules (``add_queue_target``, ``add_webhook_target``) and, of those, the webhook rules
    (a rule ``<id>`` next to its API destination ``<id>Destination``)."""
    children = notifier.node.children
    rules = tuple(child for child in children if isinstance(child, events.Rule))
    destinations = {child.node.id for child in children if isinstance(child, events.ApiDestination)}
    return rules, tuple(rule for rule in rules if f"{rule.node.id}Destination" in destinations)


@jsii.implements(IValidation)
class _TargetsUnchanged:
    """Fails synthesis when the notifier got a target after ``SmsMonitoring`` was built (it would be unwatched)."""

    def __init__(self, monitoring: SmsMonitoring, notifier: SmsStatusNotifier) -> None:
        self._monitoring = monitoring
        self._notifier = notifier

    def validate(self) -> list[str]:
        """An error when the notifier's target rules differ from those the alarms and widgets were built for."""
        rules, _ = _target_rules(self._notifier)
        if rules == self._monitoring._status_targets:
            return []
        added = sorted(rule.node.path for rule in rules if rule not in self._monitoring._status_targets)
        rule = (
            "got targets after the SmsMonitoring was created, and no alarm or widget watches them: create "
            "SmsMonitoring after add_queue_target and add_webhook_target"
        )
        return [str(ValidationError(self._monitoring, "status_notifier", rule, added))]
