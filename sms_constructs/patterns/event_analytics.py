"""``SmsEventAnalytics``: SMS events streamed through Firehose to Parquet on S3, catalogued in Glue, queried in Athena.

A configuration set's event destination puts every event on an Amazon Data Firehose stream. Firehose converts the
JSON records to Parquet (SNAPPY) with the Glue table as schema and writes them under ``events/dt=YYYY-MM-DD/`` (the
UTC day it received them). Athena finds the partitions by projection, so there is no crawler, no per-object partition
Lambda and no ``MSCK REPAIR``. An Athena workgroup with enforced settings, encrypted results and a per-query scan
cutoff runs the named queries shipped with the library. Optionally, a CloudWatch Logs log group receives the same
events for a quick look with Logs Insights.

The table's columns come from :mod:`sms_constructs_runtime.events` (``FIELDS``), the single source of truth for the
event schema that the handlers parse events with too.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Unpack

import aws_cdk as cdk
import aws_cdk.aws_athena as athena
import aws_cdk.aws_cloudwatch as cloudwatch
import aws_cdk.aws_glue as glue
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kinesisfirehose as firehose
import aws_cdk.aws_kms as kms
import aws_cdk.aws_logs as logs
import aws_cdk.aws_s3 as s3
from constructs import Construct
from sms_constructs_runtime.events import (
    FAILURE_STATUSES,
    FIELDS_BY_NAME,
    SMS_EVENT_TYPE_PREFIX,
    SMS_EVENT_TYPE_REGEX,
    glue_columns,
)

from .._private import checkov, discovery, nag
from .._private.errors import ValidationError
from .._private.kms import library_log_group, limit_grants_to_aws_services
from .._private.metrics import MetricOptions, with_defaults
from .._private.stacks import stack_of
from .._private.validation import check_exclusive, check_length, check_pattern, check_range, is_unresolved
from ..resources.configuration_set import ConfigurationSet, ConfigurationSetEventDestination
from ..resources.event_destination import EventDestination, EventType
from . import _guards
from ._analytics_queries import ERRORS_PREFIX, EVENTS_PREFIX, NAMED_QUERIES, PARTITION_COLUMN, RAW_PREFIX, TABLE_NAME

#: Athena engine version of the workgroup (Trino-based); the named queries are written for it.
ATHENA_ENGINE_VERSION = "Athena engine version 3"
#: First day partition projection generates when no ``event_retention`` is given. The SMS and Voice v2 API (and so
#: this event format) did not exist before it.
DEFAULT_PROJECTION_START = "2022-01-01"

_DATABASE_NAME_PATTERN = r"[a-z0-9_]{1,255}"
_WORKGROUP_NAME_PATTERN = r"[a-zA-Z0-9._-]{1,128}"
_STREAM_NAME_PATTERN = r"[a-zA-Z0-9._-]{1,64}"
_PARQUET_INPUT_FORMAT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
_PARQUET_OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
_PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
_S3_ACCESS_LOGS_USE_BUCKET_POLICY = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"
#: Id of the CfnMapping that aws-cdk-lib's DeliveryStream adds to its stack for ``connections``.
_FIREHOSE_CIDR_MAPPING = "@aws-cdk--aws-kinesisfirehose.CidrBlocks"
_MIN_CUTOFF_BYTES = (
    10_000_000  # AWS::Athena::WorkGroup BytesScannedCutoffPerQuery minimum (and Athena's 10 MB billing floor)
)


@dataclass(frozen=True, kw_only=True)
class QuickLookLogs:
    """Settings of the optional CloudWatch Logs destination (``SmsEventAnalytics(quick_look=QuickLookLogs())``).

    Every event is also written to a KMS-encrypted log group, with Logs Insights query definitions for the failures of
    the last hour and today's spend. CloudWatch Logs bills ingestion per GB, so keep the retention short: Athena holds
    the history.
    """

    #: How long the log group keeps events. Default: ``RetentionDays.TWO_WEEKS``.
    retention: logs.RetentionDays = logs.RetentionDays.TWO_WEEKS
    #: Name of the log group. Default: ``/sms-constructs/<unique name>-QuickLook/<stack creation id>`` (a name the
    #: key policy can allow before the log group exists).
    log_group_name: str | None = None


class EventRetention:
    """How long ``SmsEventAnalytics`` keeps the event objects, which hold phone numbers (personal data).

    Finite by default (``EventRetention.DEFAULT``, 365 days); keeping them forever must be asked for by name
    (``EventRetention.FOREVER``), like ``logs.RetentionDays.INFINITE``. Create one with ``EventRetention.days(n)`` or
    ``EventRetention.of(duration)``.
    """

    #: Keep event objects until you delete them (no lifecycle expiry; partition projection starts at 2022-01-01).
    FOREVER: EventRetention
    #: The default: 365 days (a year of trends; then the phone numbers go).
    DEFAULT: EventRetention

    def __init__(self, duration: cdk.Duration | None) -> None:
        """Use ``EventRetention.days``, ``EventRetention.of`` or ``EventRetention.FOREVER``.

        :param duration: How long objects are kept; ``None`` for ever. No default.
        """
        self._duration = duration

    @staticmethod
    def days(days: int) -> EventRetention:
        """Expire event objects ``days`` days after Firehose wrote them (whole days, at least one)."""
        return EventRetention(cdk.Duration.days(days))

    @staticmethod
    def of(duration: cdk.Duration) -> EventRetention:
        """Expire event objects ``duration`` after Firehose wrote them (whole days, at least one)."""
        return EventRetention(duration)

    @property
    def duration(self) -> cdk.Duration | None:
        """How long event objects are kept, or ``None`` for ever."""
        return self._duration

    def __repr__(self) -> str:
        return "EventRetention.FOREVER" if self._duration is None else f"EventRetention.of({self._duration})"


EventRetention.FOREVER = EventRetention(None)
EventRetention.DEFAULT = EventRetention.days(365)


@dataclass(frozen=True, kw_only=True)
class RawEventBackup:
    """Settings of the optional raw-event backup (``SmsEventAnalytics(raw_event_backup=RawEventBackup())``).

    Firehose also writes every record as it arrived (source-record backup), GZIP-compressed and KMS-encrypted, under
    ``raw/`` of the event bucket: fields AWS adds to the event later, which the fixed table schema drops from the
    Parquet objects, are kept there, and can be loaded once the schema has them.
    """

    #: How long raw records are kept: whole days, at least one. Default: ``Duration.days(30)``.
    retention: cdk.Duration = field(default_factory=lambda: cdk.Duration.days(30))


class SmsEventAnalytics(Construct):
    """Streams SMS events to S3 as Parquet and makes them queryable in Athena.

    Creates a Firehose delivery stream (customer managed key), the data bucket (unless ``existing_bucket`` is given),
    an access-log bucket, a Glue database and table with partition projection, an Athena workgroup with its own
    encrypted results bucket, the named queries of ``NAMED_QUERIES`` and, for each configuration set, an event
    destination that writes to the stream.

    Example::

        analytics = SmsEventAnalytics(self, "Events", configuration_set=config)

        # or, with the configuration set in another stack that depends on this one:
        analytics = SmsEventAnalytics(self, "Events")
        analytics.add_configuration_set(config)
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        configuration_set: ConfigurationSet | None = None,
        configuration_sets: Sequence[ConfigurationSet] | None = None,
        events: Sequence[EventType] | None = None,
        existing_bucket: s3.IBucket | None = None,
        bucket_props: s3.BucketProps | None = None,
        encryption_key: kms.IKey | None = None,
        database_name: str | None = None,
        workgroup_name: str | None = None,
        delivery_stream_name: str | None = None,
        buffering_interval: cdk.Duration | None = None,
        buffering_size: cdk.Size | None = None,
        bytes_scanned_cutoff_per_query: cdk.Size | None = None,
        query_results_retention: cdk.Duration | None = None,
        event_retention: EventRetention | None = None,
        quick_look: QuickLookLogs | None = None,
        removal_policy: cdk.RemovalPolicy | None = None,
        raw_event_backup: RawEventBackup | None = None,
        object_lock_retention: s3.ObjectLockRetention | None = None,
    ) -> None:
        """
        :param configuration_set: A configuration set whose events are streamed (an event destination is added to
            it). Default: none; call ``add_configuration_set`` later.
        :param configuration_sets: More configuration sets whose events are streamed. Default: none.
        :param events: The SMS event types each configuration set sends: ``TEXT_ALL`` or ``TEXT_*`` types only. The
            table, the named queries and the quick look are about SMS; ``ALL`` and the voice, MMS and RCS types are
            refused (their events would count as SMS messages: another latency, statuses such as ``READ`` counted as
            failures). Default: ``[EventType.TEXT_ALL]``.
        :param existing_bucket: A bucket to write the events to instead of creating one. Its encryption key, if it is
            an ``s3.Bucket`` of this app with a KMS key, is used for the objects; otherwise the bucket's default
            encryption applies and you must grant the delivery role any KMS permission it needs. Default: a bucket is
            created (customer managed key, versioning, access logs, TLS only, public access blocked, RETAIN).
        :param bucket_props: Overrides of the created data bucket's props, merged over the defaults. Give either this
            or ``existing_bucket``. ``lifecycle_rules`` are added to the library's rules (the event, raw-record and
            error-record expiries, noncurrent versions), never in their place; a rule id the library uses is refused.
            Default: the defaults above.
        :param encryption_key: The key that encrypts the stream, the buckets, the log groups and the query results.
            An imported key's policy cannot be changed here: it must already let ``logs.<region>.amazonaws.com`` use
            it. Default: a key created with rotation enabled (RETAIN).
        :param database_name: Name of the Glue database: 1–255 characters of ``a-z 0-9 _`` (Athena needs lower
            case). Default: generated from the construct path.
        :param workgroup_name: Name of the Athena workgroup: 1–128 characters of ``A-Z a-z 0-9 . _ -``. Default:
            generated from the construct path.
        :param delivery_stream_name: Name of the Firehose stream: 1–64 characters of ``A-Z a-z 0-9 . _ -``.
            Default: generated by CloudFormation.
        :param buffering_interval: How long Firehose buffers records before writing an object: 0–900 seconds.
            Default: ``Duration.seconds(300)``.
        :param buffering_size: How much Firehose buffers before writing an object: 64–128 MiB (record format
            conversion needs at least 64). Default: ``Size.mebibytes(128)``.
        :param bytes_scanned_cutoff_per_query: Athena cancels a query of the workgroup that scans more: at least
            10 MB. Default: ``Size.gibibytes(10)`` (at $5 per TB, at most about 5 cents per query; the 30-day
            named queries read about 3 MB per 1,000 messages a day, see ``benchmarks/athena_cost.py``).
        :param query_results_retention: How long Athena query results are kept: at least one day. Default:
            ``Duration.days(30)``.
        :param event_retention: How long event objects (which hold phone numbers) are kept: a lifecycle rule expires
            them and partition projection starts that many days back. The quick look and the raw backup may not keep
            events longer; under 30 days draws the warning ``sms-constructs:QueryWindowBeyondRetention`` (the named
            queries look back 7 or 30 days). ``EventRetention.days(n)`` (whole days, at
            least one; needs the created bucket) or ``EventRetention.FOREVER``. With ``existing_bucket`` only
            ``FOREVER`` can be given (expire ``events/`` on your bucket); leaving it out there raises the warning
            ``sms-constructs:EventsNotExpired``. Default: ``EventRetention.DEFAULT``, 365 days.
        :param quick_look: Also write events to a CloudWatch Logs log group with Logs Insights query definitions.
            Default: none.
        :param removal_policy: What happens to the buckets and the key when they leave the stack. Default:
            ``RemovalPolicy.RETAIN`` (the events are the record of what was sent, to whom, and what it cost).
        :param raw_event_backup: Also keep every record as it arrived (Firehose source-record backup: GZIP, KMS,
            under ``raw/``, expired after its own retention), so fields AWS adds to events later are not lost to the
            fixed schema. Needs the created bucket. Default: no backup.
        :param object_lock_retention: Turn S3 Object Lock on for the created event bucket, with this default
            retention (AWS Control Tower's CT.S3.PR.9). The lock keeps every object version, phone numbers included,
            until its retention ends, so it may not exceed ``event_retention``; a ``COMPLIANCE`` lock cannot be
            shortened by anyone. Object Lock needs every upload to carry a checksum: check that Firehose delivers to
            the bucket before relying on it (see the docs). Default: no Object Lock.
        """
        super().__init__(scope, id)
        # Access logs are delivered through a bucket policy (not the LogDeliveryWrite ACL, which object ownership
        # "bucket owner enforced" forbids), whatever the app's feature flags say.
        self.node.set_context(_S3_ACCESS_LOGS_USE_BUCKET_POLICY, True)
        check_exclusive(self, ("existing_bucket", existing_bucket), ("bucket_props", bucket_props))
        check_length(self, "database_name", database_name, 1, 255)
        check_pattern(self, "database_name", database_name, _DATABASE_NAME_PATTERN, "lower-case letters, digits, '_'")
        check_pattern(self, "workgroup_name", workgroup_name, _WORKGROUP_NAME_PATTERN, "letters, digits, '.', '_', '-'")
        check_pattern(
            self, "delivery_stream_name", delivery_stream_name, _STREAM_NAME_PATTERN, "letters, digits, '.', '_', '-'"
        )
        interval = buffering_interval if buffering_interval is not None else cdk.Duration.seconds(300)
        size = buffering_size if buffering_size is not None else cdk.Size.mebibytes(128)
        cutoff = bytes_scanned_cutoff_per_query or cdk.Size.gibibytes(10)
        results_retention = query_results_retention if query_results_retention is not None else cdk.Duration.days(30)
        _check_duration(self, "buffering_interval", interval, 0, 900)
        if not is_unresolved(size.to_mebibytes(rounding=cdk.SizeRoundingBehavior.NONE)):
            check_range(
                self, "buffering_size", size.to_mebibytes(rounding=cdk.SizeRoundingBehavior.NONE), 64, 128, "MiB"
            )
        if cutoff.to_bytes() < _MIN_CUTOFF_BYTES:
            raise ValidationError(self, "bytes_scanned_cutoff_per_query", "must be at least 10 MB", cutoff.to_bytes())
        _check_whole_days(self, "query_results_retention", results_retention)
        expiry = self._event_expiry(event_retention, existing_bucket)
        self._check_backup_and_lock(raw_event_backup, object_lock_retention, existing_bucket, expiry)
        self._check_windows_within_retention(expiry, raw_event_backup)
        self._expiry = expiry
        self._events = list(events) if events is not None else [EventType.TEXT_ALL]
        _check_sms_events(self, self._events)
        retain = removal_policy if removal_policy is not None else cdk.RemovalPolicy.RETAIN
        #: The key that encrypts the stream, the buckets, the log groups and the query results.
        self.key = self._create_key(encryption_key, retain)
        object_key = self._create_buckets(
            existing_bucket, bucket_props, expiry, results_retention, retain, raw_event_backup, object_lock_retention
        )
        self._create_catalog(database_name, expiry)
        self._create_stream(delivery_stream_name, object_key, interval, size, raw_event_backup)
        self._create_athena(workgroup_name, cutoff)

        # --- CloudWatch Logs quick look ---------------------------------------------------------------------------
        #: The quick-look log group (``quick_look``), else ``None``.
        self.quick_look_log_group: logs.LogGroup | None = None
        #: The Logs Insights query definitions of the quick look, by name.
        self.query_definitions: dict[str, logs.QueryDefinition] = {}
        if quick_look is not None:
            self._add_quick_look(quick_look)

        # --- outputs ----------------------------------------------------------------------------------------------
        cdk.CfnOutput(self, "DatabaseName", value=self.database.ref, description="Glue database of the SMS events")
        cdk.CfnOutput(self, "TableName", value=TABLE_NAME, description="Glue table of the SMS events")
        cdk.CfnOutput(self, "WorkGroupName", value=self.workgroup.ref, description="Athena workgroup for SMS events")
        cdk.CfnOutput(self, "BucketName", value=self.bucket.bucket_name, description="Bucket of the SMS event objects")
        if self.quick_look_log_group is not None:
            # ``SmsEventAnalyticsQuickLookLogGroupName<id>``: what the operator commands find the events by.
            discovery.publish(
                self,
                discovery.ANALYTICS_LOG_GROUP_OUTPUT,
                "QuickLookLogGroupName",
                self.quick_look_log_group.log_group_name,
                "Log group of the SMS events (quick look)",
            )

        #: The event destinations added to configuration sets, in order.
        self.event_destinations: list[ConfigurationSetEventDestination] = []
        for config in [*([configuration_set] if configuration_set is not None else []), *(configuration_sets or [])]:
            self.add_configuration_set(config)

    # --- public API -----------------------------------------------------------------------------------------------

    @property
    def database_name(self) -> str:
        """The name of the Glue database."""
        return self.database.ref

    @property
    def table_name(self) -> str:
        """The name of the Glue table (``sms_events``)."""
        return TABLE_NAME

    @property
    def workgroup_name(self) -> str:
        """The name of the Athena workgroup."""
        return self.workgroup.ref

    @property
    def bucket_name(self) -> str:
        """The name of the bucket holding the event objects."""
        return self.bucket.bucket_name

    def add_configuration_set(self, configuration_set: ConfigurationSet) -> list[ConfigurationSetEventDestination]:
        """Stream the events of ``configuration_set`` into this analytics pipeline.

        Adds a Firehose event destination to the set (and a CloudWatch Logs one with ``quick_look``). The role the
        service assumes is created as a child of the set, in the set's stack; nothing in this construct refers to the
        set, so the set may live in a stack that depends on this one.

        Raises ``ValidationError`` for a configuration set that is imported (an event destination needs the
        ``ConfigurationSet`` defined in this app), in another Region than this construct's stack, or that already
        streams into an ``SmsEventAnalytics`` (every event would be stored, and paid for, twice).

        :returns: The event destinations added (Firehose first).
        """
        owned = _guards.check_owned_configuration_set(self, "configuration_set", configuration_set, "SmsEventAnalytics")
        _guards.check_configuration_set_region(self, owned)
        _guards.claim_configuration_set(self, "configuration_set", owned, "SmsEventAnalytics")
        configuration_set = owned
        added = [
            configuration_set.add_event_destination(
                f"{self.node.id}Firehose",
                destination=EventDestination.firehose(self.delivery_stream),
                events=self._events,
            )
        ]
        if self.quick_look_log_group is not None:
            added.append(
                configuration_set.add_event_destination(
                    f"{self.node.id}Logs",
                    destination=EventDestination.cloud_watch_logs(self.quick_look_log_group),
                    events=self._events,
                )
            )
        self.event_destinations.extend(added)
        return added

    # --- metrics (cloudwatch.MetricOptions keywords, as aws-cdk-lib's metric_* methods) ----------------------------

    def metric(self, metric_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """A metric of the delivery stream (namespace ``AWS/Firehose``, dimension ``DeliveryStreamName``), e.g.
        ``"DeliveryToS3.Success"`` or ``"ThrottledRecords"``.

        :param options: ``cloudwatch.MetricOptions`` keywords. Default: ``Sum`` over 5 minutes.
        """
        return self.delivery_stream.metric(metric_name, **with_defaults(options, statistic=cloudwatch.Stats.SUM))

    def metric_incoming_records(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Events the stream received (``IncomingRecords``). Default: ``Sum`` over 5 minutes."""
        return self.metric("IncomingRecords", **options)

    def metric_data_freshness(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Age in seconds of the oldest event not yet written to S3 (``DeliveryToS3.DataFreshness``); it grows past the
        buffering interval when delivery fails. Default: ``Maximum`` over 5 minutes."""
        return self.metric("DeliveryToS3.DataFreshness", **with_defaults(options, statistic=cloudwatch.Stats.MAXIMUM))

    def metric_failed_conversions(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Events Firehose could not convert to Parquet (``FailedConversion.Records``); they are written under
        ``errors/`` and Athena does not see them. Default: ``Sum`` over 5 minutes."""
        return self.metric("FailedConversion.Records", **options)

    def metric_delivery_success(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Share of successful writes to S3, 0–1 (``DeliveryToS3.Success``). Default: ``Average`` over 5 minutes."""
        return self.metric("DeliveryToS3.Success", **with_defaults(options, statistic=cloudwatch.Stats.AVERAGE))

    # --- internals ------------------------------------------------------------------------------------------------

    def _event_expiry(self, event_retention: Any, existing_bucket: s3.IBucket | None) -> cdk.Duration | None:
        """How long event objects live (``None``: for ever), after checking ``event_retention``."""
        if event_retention is not None and not isinstance(event_retention, EventRetention):
            raise ValidationError(
                self,
                "event_retention",
                "must be an EventRetention (EventRetention.days(90), EventRetention.of(duration) or "
                "EventRetention.FOREVER)",
                event_retention,
            )
        if existing_bucket is not None:
            if event_retention is None:
                cdk.Annotations.of(self).add_warning_v2(
                    "sms-constructs:EventsNotExpired",
                    "The event objects hold phone numbers, and this construct cannot expire them in an existing "
                    "bucket: add a lifecycle rule expiring 'events/' (and 'errors/') to the bucket, then pass "
                    "event_retention=EventRetention.FOREVER to say so.",
                )
                return None
            if event_retention.duration is not None:
                raise ValidationError(
                    self,
                    "event_retention",
                    "expires objects with a lifecycle rule on the created bucket; with 'existing_bucket', expire "
                    "'events/' on your bucket and pass EventRetention.FOREVER",
                    repr(event_retention),
                )
            return None
        chosen = event_retention if event_retention is not None else EventRetention.DEFAULT
        if chosen.duration is not None:
            _check_whole_days(self, "event_retention", chosen.duration)
        return chosen.duration

    def _check_windows_within_retention(self, expiry: cdk.Duration | None, backup: RawEventBackup | None) -> None:
        """Refuse raw records kept longer than ``event_retention`` (they hold the same phone numbers); warn when a named
        query looks further back than the events are kept. (The quick look's retention: ``_add_quick_look``.)"""
        if expiry is None or expiry.is_unresolved():
            return
        days = expiry.to_days(integral=False)
        backup_retention = backup.retention if isinstance(backup, RawEventBackup) else None
        backup_known = backup_retention is not None and not backup_retention.is_unresolved()
        if backup_known and backup_retention is not None and backup_retention.to_days(integral=False) > days:
            raise ValidationError(
                self,
                "raw_event_backup.retention",
                f"must not keep raw records longer than event_retention ({_days(days)} days): they hold the same "
                "phone numbers, which would outlive their expiry",
                backup_retention,
            )
        longer = sorted(
            {
                window
                for window in (_query_window_days(q.sql) for q in NAMED_QUERIES)
                if window is not None and window > days
            }
        )
        if longer:
            names = [q.title for q in NAMED_QUERIES if (_query_window_days(q.sql) or 0) > days]
            cdk.Annotations.of(self).add_warning_v2(
                QUERY_WINDOW_BEYOND_RETENTION_WARNING,
                f"event_retention is {_days(days)} days, and {len(names)} named queries look back "
                f"{' or '.join(str(w) for w in longer)} days ({', '.join(names)}): they report fewer days than their "
                "title says. Keep the events at least that long, or acknowledge this warning.",
            )

    def _check_backup_and_lock(
        self,
        backup: RawEventBackup | None,
        lock: s3.ObjectLockRetention | None,
        existing_bucket: s3.IBucket | None,
        expiry: cdk.Duration | None,
    ) -> None:
        if backup is not None:
            if not isinstance(backup, RawEventBackup):
                raise ValidationError(self, "raw_event_backup", "must be a RawEventBackup", backup)
            _check_whole_days(self, "raw_event_backup.retention", backup.retention)
            if existing_bucket is not None:
                raise ValidationError(
                    self,
                    "raw_event_backup",
                    "needs the created bucket (its 'raw/' prefix gets its own expiry); with 'existing_bucket', back "
                    "raw records up yourself",
                    backup,
                )
        if lock is None:
            return
        if not isinstance(lock, s3.ObjectLockRetention):
            raise ValidationError(
                self, "object_lock_retention", "must be an s3.ObjectLockRetention (governance or compliance)", lock
            )
        if existing_bucket is not None:
            raise ValidationError(
                self,
                "object_lock_retention",
                "turns Object Lock on for the created bucket; not with existing_bucket",
                lock,
            )
        locked_days = lock.duration.to_days(integral=False)
        if expiry is not None and locked_days > expiry.to_days(integral=False):
            raise ValidationError(
                self,
                "object_lock_retention",
                f"must not lock objects longer than event_retention ({int(expiry.to_days())} days): the lock would "
                "keep the phone numbers past their expiry",
                f"{lock.mode.value} {lock.duration.to_human_string()}",
            )

    def _create_key(self, encryption_key: kms.IKey | None, retain: cdk.RemovalPolicy) -> kms.IKey:
        key: kms.IKey = encryption_key or kms.Key(
            self,
            "Key",
            description=f"SMS event analytics ({self.node.path}): stream, event objects, query results, logs",
            enable_key_rotation=True,
            removal_policy=retain,
        )
        limit_grants_to_aws_services(key)
        return key

    def _create_buckets(
        self,
        existing_bucket: s3.IBucket | None,
        bucket_props: s3.BucketProps | None,
        event_retention: cdk.Duration | None,
        results_retention: cdk.Duration,
        retain: cdk.RemovalPolicy,
        backup: RawEventBackup | None,
        lock: s3.ObjectLockRetention | None,
    ) -> kms.IKey | None:
        """Create the log, data and results buckets; return the key of the event objects (if known)."""
        #: Receives the server access logs of the data and results buckets (SSE-S3: S3 cannot deliver access logs to
        #: a bucket whose default encryption is SSE-KMS).
        self.logging_bucket = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireAccessLogs",
                    expiration=cdk.Duration.days(365),
                    noncurrent_version_expiration=cdk.Duration.days(30),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                )
            ],
            removal_policy=retain,
        )
        _acknowledge_log_bucket(self.logging_bucket)
        _notify_event_bridge(self.logging_bucket)

        self._owns_bucket = existing_bucket is None
        if existing_bucket is not None:
            #: The bucket the events are written to.
            self.bucket: s3.IBucket = existing_bucket
            object_key = existing_bucket.encryption_key
        else:
            defaults: dict[str, Any] = {
                "encryption": s3.BucketEncryption.KMS,
                "encryption_key": self.key,
                "bucket_key_enabled": True,  # one data key per bucket, not per object: far fewer KMS requests
                "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
                "object_ownership": s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
                "enforce_ssl": True,
                "minimum_tls_version": 1.2,
                "versioned": True,
                "server_access_logs_bucket": self.logging_bucket,
                "server_access_logs_prefix": "events-bucket/",
                "lifecycle_rules": _data_lifecycle_rules(event_retention, backup),
                "removal_policy": retain,
            }
            if lock is not None:
                defaults["object_lock_enabled"] = True
                defaults["object_lock_default_retention"] = lock
            merged = _merge_props(defaults, bucket_props)
            merged["lifecycle_rules"] = _merge_lifecycle_rules(self, defaults["lifecycle_rules"], bucket_props)
            data_bucket = s3.Bucket(self, "Bucket", **merged)
            self.bucket = data_bucket
            object_key = data_bucket.encryption_key
            _notify_event_bridge(data_bucket)
            if not merged.get("object_lock_enabled"):
                nag.acknowledge(
                    data_bucket,
                    nag.ControlTower.S3_OBJECT_LOCK,
                    "Object Lock is a prop (object_lock_retention), off by default: the event objects hold phone "
                    "numbers that must expire with event_retention and be deletable on request (GDPR art. 17), and a "
                    "lock keeps every version until its retention ends. The bucket is versioned, KMS-encrypted, "
                    "TLS-only, access-logged and RETAINed.",
                )

        #: Holds the Athena query results, encrypted, expired after ``query_results_retention``.
        self.results_bucket = s3.Bucket(
            self,
            "QueryResults",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            server_access_logs_bucket=self.logging_bucket,
            server_access_logs_prefix="query-results-bucket/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireQueryResults",
                    expiration=results_retention,
                    noncurrent_version_expiration=cdk.Duration.days(1),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
                )
            ],
            removal_policy=retain,
        )
        _notify_event_bridge(self.results_bucket)
        nag.acknowledge(
            self.results_bucket,
            nag.ControlTower.S3_OBJECT_LOCK,
            "Athena query results are copies that expire after query_results_retention and can be recomputed from "
            "the event objects; locking them would keep phone numbers longer for no record-keeping gain.",
        )

        return object_key

    def _create_catalog(self, database_name: str | None, event_retention: cdk.Duration | None) -> None:
        stack = stack_of(self)
        db_name = database_name or cdk.Names.unique_resource_name(self, max_length=64, separator="_").lower()
        #: The Glue database.
        self.database = glue.CfnDatabase(
            self,
            "Database",
            catalog_id=stack.account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=db_name, description="AWS End User Messaging SMS events (sms-constructs SmsEventAnalytics)"
            ),
        )
        events_location = f"s3://{self.bucket.bucket_name}/{EVENTS_PREFIX}"
        #: The Glue table of SMS events: one column per field of ``FIELDS``, partitioned by ``dt`` (projected).
        self.table = glue.CfnTable(
            self,
            "Table",
            catalog_id=stack.account,
            database_name=self.database.ref,
            table_input=glue.CfnTable.TableInputProperty(
                name=TABLE_NAME,
                description="One row per SMS event (Parquet, written by Firehose); partitions are projected from dt.",
                table_type="EXTERNAL_TABLE",
                parameters={
                    "classification": "parquet",
                    "parquet.compression": "SNAPPY",
                    "EXTERNAL": "TRUE",
                    "projection.enabled": "true",
                    f"projection.{PARTITION_COLUMN}.type": "date",
                    f"projection.{PARTITION_COLUMN}.format": "yyyy-MM-dd",
                    f"projection.{PARTITION_COLUMN}.range": _projection_range(event_retention),
                    f"projection.{PARTITION_COLUMN}.interval": "1",
                    f"projection.{PARTITION_COLUMN}.interval.unit": "DAYS",
                    "storage.location.template": f"{events_location}{PARTITION_COLUMN}=${{{PARTITION_COLUMN}}}/",
                },
                partition_keys=[
                    glue.CfnTable.ColumnProperty(
                        name=PARTITION_COLUMN,
                        type="string",
                        comment="UTC day (yyyy-MM-dd) Firehose received the event; filter on it to prune",
                    )
                ],
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    columns=[
                        glue.CfnTable.ColumnProperty(name=column, type=glue_type, comment=comment)
                        for column, glue_type, comment in glue_columns()
                    ],
                    location=events_location,
                    input_format=_PARQUET_INPUT_FORMAT,
                    output_format=_PARQUET_OUTPUT_FORMAT,
                    serde_info=glue.CfnTable.SerdeInfoProperty(
                        serialization_library=_PARQUET_SERDE, parameters={"serialization.format": "1"}
                    ),
                    compressed=False,
                    stored_as_sub_directories=False,
                ),
            ),
        )

    def _create_stream(
        self,
        delivery_stream_name: str | None,
        object_key: kms.IKey | None,
        interval: cdk.Duration,
        size: cdk.Size,
        backup: RawEventBackup | None,
    ) -> None:
        stack = stack_of(self)
        #: Receives Firehose's delivery and conversion errors (no event content: error codes and object keys), kept a
        #: year like the functions' logs.
        self.delivery_log_group = library_log_group(
            self,
            "DeliveryErrors",
            encryption_key=self.key,
            retention=logs.RetentionDays.ONE_YEAR,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        #: The role Firehose assumes to read the table schema and write objects and error logs.
        self.delivery_role = iam.Role(
            self,
            "DeliveryRole",
            # The trust condition the Firehose developer guide documents ("Allow Firehose to assume an IAM role"):
            # Firehose passes the stream owner's account ID as the external ID when it assumes the role.
            assumed_by=iam.ServicePrincipal(
                "firehose.amazonaws.com", conditions={"StringEquals": {"sts:ExternalId": stack.account}}
            ),
            description="Lets Firehose read the SMS event table schema and write Parquet objects and error logs",
        )
        # The L2 destination grants broad helpers (bucket read/write, s3:Abort*, kms:ReEncrypt*, glue:GetSchemaVersion
        # on "*"): hand it an immutable view of the role and write the least-privilege policy here instead.
        writer = self.delivery_role.without_policy_updates()
        destination = firehose.S3Bucket(
            self.bucket,
            role=writer,
            encryption_key=object_key,
            data_output_prefix=f"{EVENTS_PREFIX}{PARTITION_COLUMN}=!{{timestamp:yyyy-MM-dd}}/",
            error_output_prefix=f"{ERRORS_PREFIX}!{{firehose:error-output-type}}/{PARTITION_COLUMN}=!{{timestamp:yyyy-MM-dd}}/",
            buffering_interval=interval,
            buffering_size=size,
            logging_config=firehose.EnableLogging(self.delivery_log_group),
            data_format_conversion=firehose.DataFormatConversionProps(
                schema_configuration=firehose.SchemaConfiguration.from_cfn_table(self.table),
                input_format=firehose.OpenXJsonInputFormat(lowercase_column_names=True),
                output_format=firehose.ParquetOutputFormat(
                    compression=firehose.ParquetCompression.SNAPPY, writer_version=firehose.ParquetWriterVersion.V1
                ),
            ),
            s3_backup=(
                firehose.DestinationS3BackupProps(
                    mode=firehose.BackupMode.ALL,
                    bucket=self.bucket,
                    data_output_prefix=f"{RAW_PREFIX}{PARTITION_COLUMN}=!{{timestamp:yyyy-MM-dd}}/",
                    error_output_prefix=f"{RAW_PREFIX}errors/!{{firehose:error-output-type}}/",
                    compression=firehose.Compression.GZIP,
                    encryption_key=object_key,
                    logging_config=firehose.EnableLogging(self.delivery_log_group),
                )
                if backup is not None
                else None
            ),
        )
        mapping_existed = stack.node.try_find_child(_FIREHOSE_CIDR_MAPPING) is not None
        #: The Firehose stream the configuration sets' event destinations write to.
        self.delivery_stream = firehose.DeliveryStream(
            self,
            "Stream",
            delivery_stream_name=delivery_stream_name,
            destination=destination,
            encryption=firehose.StreamEncryption.customer_managed_key(self.key),
            role=writer,
        )
        if not mapping_existed:
            # The L2 always builds `connections` (for VPC destinations such as Redshift) from a region -> Firehose CIDR
            # mapping; in an environment-agnostic stack that renders an unused mapping (cfn-lint W7001). This stream
            # writes to S3 only, so its `connections` are meaningless: drop the mapping it created. A stream created
            # later in the stack that needs it creates it again.
            stack.node.try_remove_child(_FIREHOSE_CIDR_MAPPING)
        log_streams = [c for c in self.delivery_log_group.node.children if isinstance(c, logs.LogStream)]
        prefixes = [EVENTS_PREFIX, ERRORS_PREFIX] + ([RAW_PREFIX] if backup is not None else [])
        #: The least-privilege policy of ``delivery_role``.
        self.delivery_policy = iam.Policy(
            self,
            "DeliveryPolicy",
            roles=[self.delivery_role],
            document=self._delivery_policy_document(object_key, log_streams, prefixes),
        )
        self.delivery_stream.node.add_dependency(self.delivery_policy)
        _acknowledge_delivery_policy(self.delivery_policy, self.bucket, prefixes)

    def _create_athena(self, workgroup_name: str | None, cutoff: cdk.Size) -> None:
        stack = stack_of(self)
        wg_name = workgroup_name or cdk.Names.unique_resource_name(self, max_length=128, separator="-")
        #: The Athena workgroup: enforced settings, engine version 3, encrypted results, a per-query scan cutoff.
        self.workgroup = athena.CfnWorkGroup(
            self,
            "WorkGroup",
            name=wg_name,
            description="Queries over AWS End User Messaging SMS events (sms-constructs SmsEventAnalytics)",
            state="ENABLED",
            # Athena refuses to delete a workgroup that holds query executions ("WorkGroup ... is not empty"): without
            # this, deleting the stack or renaming the workgroup (a replacement) fails once a query has run. The
            # results themselves stay in the results bucket, which follows `removal_policy`.
            recursive_delete_option=True,
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                requester_pays_enabled=False,
                bytes_scanned_cutoff_per_query=int(cutoff.to_bytes()),
                engine_version=athena.CfnWorkGroup.EngineVersionProperty(selected_engine_version=ATHENA_ENGINE_VERSION),
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{self.results_bucket.bucket_name}/results/",
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_KMS", kms_key=self.key.key_arn
                    ),
                    expected_bucket_owner=stack.account,
                ),
            ),
        )
        #: The named queries, by file name (``NAMED_QUERIES``).
        self.named_queries: dict[str, athena.CfnNamedQuery] = {}
        for spec in NAMED_QUERIES:
            query = athena.CfnNamedQuery(
                self,
                f"Query-{spec.key}",
                name=spec.title,
                description=spec.description,
                database=self.database.ref,
                query_string=spec.sql,
                work_group=self.workgroup.ref,
            )
            self.named_queries[spec.key] = query

    def _delivery_policy_document(
        self, object_key: kms.IKey | None, log_streams: list[logs.LogStream], prefixes: list[str]
    ) -> iam.PolicyDocument:
        """What Firehose needs, per the Firehose developer guide's S3-destination role policy, and no more."""
        stack = stack_of(self)
        bucket_arn = self.bucket.bucket_arn
        statements = [
            iam.PolicyStatement(
                sid="ReadTableSchema",
                actions=["glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"],
                resources=[
                    stack.format_arn(service="glue", resource="catalog"),
                    stack.format_arn(service="glue", resource="database", resource_name=self.database.ref),
                    stack.format_arn(
                        service="glue", resource="table", resource_name=f"{self.database.ref}/{TABLE_NAME}"
                    ),
                ],
            ),
            iam.PolicyStatement(
                sid="LocateBucket",
                actions=["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
                resources=[bucket_arn],
            ),
            iam.PolicyStatement(
                sid="WriteObjects",
                actions=["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
                resources=[f"{bucket_arn}/{prefix}*" for prefix in prefixes],
            ),
            iam.PolicyStatement(
                sid="WriteErrorLog",
                actions=["logs:PutLogEvents"],
                resources=[
                    stack.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name=f"{self.delivery_log_group.log_group_name}:log-stream:{log_stream.log_stream_name}",
                        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                    )
                    for log_stream in log_streams
                ],
            ),
        ]
        if object_key is not None:
            # S3 asks KMS on Firehose's behalf (kms:ViaService), with the bucket's ARN as encryption context when the
            # bucket key is on and the object's ARN when it is off (S3 User Guide, "Reducing the cost of SSE-KMS with
            # Amazon S3 Bucket Keys"): only this bucket's objects under the prefixes Firehose writes.
            statements.append(
                iam.PolicyStatement(
                    sid="EncryptObjects",
                    actions=["kms:GenerateDataKey", "kms:Decrypt"],
                    resources=[object_key.key_arn],
                    conditions={
                        "StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"},
                        "StringLike": {
                            "kms:EncryptionContext:aws:s3:arn": [
                                bucket_arn,
                                *(f"{bucket_arn}/{prefix}*" for prefix in prefixes),
                            ]
                        },
                    },
                )
            )
        return iam.PolicyDocument(statements=statements)

    def _add_quick_look(self, options: QuickLookLogs) -> None:
        check_pattern(
            self, "quick_look.log_group_name", options.log_group_name, r"[.\-_/#A-Za-z0-9]{1,512}", "log group name"
        )
        log_group = library_log_group(
            self,
            "QuickLook",
            encryption_key=self.key,
            retention=options.retention,
            removal_policy=cdk.RemovalPolicy.DESTROY,
            log_group_name=options.log_group_name,
        )
        cfn_log_group = log_group.node.default_child
        assert isinstance(cfn_log_group, logs.CfnLogGroup)
        days = cfn_log_group.retention_in_days
        expiry = self._expiry
        if expiry is not None and not expiry.is_unresolved():
            kept_days = expiry.to_days(integral=False)
            if days is None or (is_unresolved(days) is False and days > kept_days):
                raise ValidationError(
                    self,
                    "quick_look.retention",
                    f"must not keep events longer than event_retention ({_days(kept_days)} days): the quick look "
                    "holds the same phone numbers, which would outlive their expiry",
                    options.retention,
                )
        if days is not None and days < 365:
            nag.acknowledge(
                log_group,
                nag.ControlTower.LOG_GROUP_RETENTION,
                f"The quick look holds every event with its phone number, for a look at recent traffic; the history "
                f"is in the event bucket (Athena). Its retention ({days} days, "
                "QuickLookLogs.retention) is short on purpose: CloudWatch Logs bills storage per GB and the personal "
                "data should not be kept twice for a year.",
            )
        self.quick_look_log_group = log_group
        prefix = f"sms-constructs/{cdk.Names.unique_resource_name(self, max_length=60, separator='-')}"
        failures = ", ".join(f'"{status}"' for status in sorted(FAILURE_STATUSES))
        self.query_definitions["failures-last-hour"] = logs.QueryDefinition(
            self,
            "FailuresLastHour",
            query_definition_name=f"{prefix}/failures-last-hour",
            log_groups=[log_group],
            query_string=logs.QueryString(
                fields=_insights_fields(
                    "@timestamp",
                    "messageId",
                    "messageStatus",
                    "messageStatusDescription",
                    "isoCountryCode",
                    "carrierName",
                    "destinationPhoneNumber",
                ),
                filter_statements=[f"eventType like /{SMS_EVENT_TYPE_REGEX}/", f"messageStatus in [{failures}]"],
                sort="@timestamp desc",
                limit=200,
            ),
        )
        # Spend: one row per message first (the figures of its newest event that reports a price, which is its last
        # final event: the rule of the Athena queries, so duplicate receipts and status updates count once), then
        # the sum. Logs Insights has no "now": run it over "today" in the console's time picker.
        self.query_definitions["spend-today"] = logs.QueryDefinition(
            self,
            "SpendToday",
            query_definition_name=f"{prefix}/spend-today",
            log_groups=[log_group],
            query_string=logs.QueryString(
                fields=_insights_fields("messageId", "isoCountryCode", "totalMessagePrice", "totalCarrierFee"),
                filter_statements=[f"eventType like /{SMS_EVENT_TYPE_REGEX}/", "ispresent(totalMessagePrice)"],
                stats_statements=[
                    "latest(totalMessagePrice) as price, latest(totalCarrierFee) as fee by messageId, isoCountryCode",
                    "count(*) as messages, sum(price) as priceUsd, sum(fee) as carrierFeeUsd by isoCountryCode",
                ],
                sort="priceUsd desc",
            ),
        )


def _insights_fields(*names: str) -> list[str]:
    """Logs Insights fields, checked against the event schema (``@`` fields are Logs Insights' own)."""
    unknown = [name for name in names if not name.startswith("@") and name not in FIELDS_BY_NAME]
    if unknown:  # pragma: no cover - a programming error caught by the tests
        raise AssertionError(f"not SMS event fields: {unknown}")
    return list(names)


def _check_sms_events(scope: Construct, events: list[Any]) -> None:
    """Only SMS event types: the table, the queries and the quick look describe SMS messages."""
    if not events:
        raise ValidationError(scope, "events", "must name at least one EventType", events)
    for event in events:
        if not isinstance(event, EventType):
            raise ValidationError(scope, "events", "must hold EventType values (e.g. EventType.TEXT_ALL)", event)
        if not event.value.startswith(SMS_EVENT_TYPE_PREFIX):
            raise ValidationError(
                scope,
                "events",
                "must be SMS event types (TEXT_ALL or TEXT_*): the table and the named queries describe SMS messages, "
                "and voice, MMS or RCS events would be counted as SMS (another latency; RCS READ as a failure). "
                "Stream other channels with a destination of your own",
                event,
            )


def _notify_event_bridge(bucket: s3.Bucket) -> None:
    """Send the bucket's event notifications to Amazon EventBridge (AWS Control Tower CT.S3.PR.4).

    Set on the L1 (``NotificationConfiguration.EventBridgeConfiguration``): the L2's ``event_bridge_enabled`` would add
    the custom-resource Lambda that aws-cdk-lib uses for bucket notifications. Events of AWS services on the default
    bus are not charged; nothing subscribes to them unless you add a rule.
    """
    cfn = bucket.node.default_child
    assert isinstance(cfn, s3.CfnBucket)
    cfn.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
        event_bridge_configuration=s3.CfnBucket.EventBridgeConfigurationProperty(event_bridge_enabled=True)
    )


#: Ids of the lifecycle rules the library puts on the event bucket (a ``bucket_props`` rule may not reuse them).
LIBRARY_LIFECYCLE_RULE_IDS = frozenset({"NoncurrentVersions", "ExpireErrorRecords", "ExpireEvents", "ExpireRawEvents"})


def _merge_lifecycle_rules(
    scope: Construct, defaults: list[s3.LifecycleRule], bucket_props: s3.BucketProps | None
) -> list[s3.LifecycleRule]:
    """The library's rules plus those of ``bucket_props`` (a shallow merge would drop the expiries of phone numbers)."""
    extra = list(bucket_props.lifecycle_rules or []) if bucket_props is not None else []
    for rule in extra:
        if rule.id in LIBRARY_LIFECYCLE_RULE_IDS:
            raise ValidationError(
                scope,
                "bucket_props.lifecycle_rules",
                f"rule ids {sorted(LIBRARY_LIFECYCLE_RULE_IDS)} are the library's own (the event, raw-record and "
                "error-record expiries); give your rule another id (set the expiries with event_retention and "
                "raw_event_backup)",
                rule.id,
            )
    return [*defaults, *extra]


def _data_lifecycle_rules(
    event_retention: cdk.Duration | None, backup: RawEventBackup | None
) -> list[s3.LifecycleRule]:
    rules = [
        s3.LifecycleRule(
            id="NoncurrentVersions",
            noncurrent_version_expiration=cdk.Duration.days(30),
            expired_object_delete_marker=True,
            abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
        ),
        s3.LifecycleRule(id="ExpireErrorRecords", prefix=ERRORS_PREFIX, expiration=cdk.Duration.days(90)),
    ]
    if event_retention is not None:
        rules.append(s3.LifecycleRule(id="ExpireEvents", prefix=EVENTS_PREFIX, expiration=event_retention))
    if backup is not None:
        rules.append(s3.LifecycleRule(id="ExpireRawEvents", prefix=RAW_PREFIX, expiration=backup.retention))
    return rules


def _projection_range(event_retention: cdk.Duration | None) -> str:  # the expiry in days, or "forever"
    if event_retention is None:
        return f"{DEFAULT_PROJECTION_START},NOW"
    return f"NOW-{int(event_retention.to_days())}DAYS,NOW"


def _merge_props(defaults: Mapping[str, Any], overrides: Any) -> dict[str, Any]:
    """``defaults`` with every prop the caller set in ``overrides`` (a jsii struct such as ``s3.BucketProps``)."""
    merged = dict(defaults)
    if overrides is None:
        return merged
    for name in inspect.signature(type(overrides).__init__).parameters:
        if name == "self":
            continue
        value = getattr(overrides, name, None)
        if value is not None:
            merged[name] = value
    return merged


#: Warning id: a named query looks further back than ``event_retention`` keeps events.
QUERY_WINDOW_BEYOND_RETENTION_WARNING = "sms-constructs:QueryWindowBeyondRetention"
_QUERY_WINDOW = re.compile(r"INTERVAL '(\d+)' DAY")


def _query_window_days(sql: str) -> int | None:
    """How many days back a named query reads (its longest ``INTERVAL 'n' DAY``), or ``None``."""
    windows = [int(n) for n in _QUERY_WINDOW.findall(sql)]
    return max(windows) if windows else None


def _days(days: float) -> str:
    return str(int(days)) if float(days).is_integer() else f"{days:g}"


def _check_duration(scope: Construct, prop: str, value: cdk.Duration, low: int, high: int) -> None:
    if value.is_unresolved():
        return
    seconds = value.to_seconds(integral=False)
    check_range(scope, prop, seconds, low, high, "seconds")


def _check_whole_days(scope: Construct, prop: str, value: cdk.Duration) -> None:
    if value.is_unresolved():
        return
    days = value.to_hours(integral=False) / 24
    if days < 1 or days != int(days):
        raise ValidationError(scope, prop, "must be a whole number of days, at least one", value.to_human_string())


def _acknowledge_log_bucket(bucket: s3.Bucket) -> None:
    # cdk-nag's S1 already recognises a bucket that receives server access logs; checkov's CKV_AWS_18 and AWS Control
    # Tower's CT.S3.PR.2 do not.
    no_logging = (
        "This bucket is the server-access-log target of the events and query-results buckets; logging it would "
        "need a second log bucket whose own logs go nowhere, and logging it into itself logs every log delivery "
        "(S3 user guide, 'Enabling Amazon S3 server access logging')."
    )
    checkov.skip_check(bucket, "CKV_AWS_18", no_logging)
    nag.acknowledge(bucket, nag.ControlTower.S3_ACCESS_LOGGING, no_logging)
    nag.acknowledge(
        bucket,
        nag.ControlTower.S3_KMS_ENCRYPTION,
        "S3 server access logs can only be delivered to a bucket encrypted with SSE-S3 (S3 user guide, 'Enabling "
        "Amazon S3 server access logging': SSE-KMS is not supported for the target bucket); it holds request logs, "
        "not event content.",
    )
    nag.acknowledge(
        bucket,
        nag.ControlTower.S3_OBJECT_LOCK,
        "Server access logs expire after 365 days (lifecycle rule ExpireAccessLogs) and are a diagnostic record; "
        "the log delivery writes objects without the checksum headers Object Lock requires of uploads.",
    )


def _acknowledge_delivery_policy(policy: iam.Policy, bucket: s3.IBucket, prefixes: list[str]) -> None:
    # The only wildcards left are object keys under the prefixes Firehose writes: it names each object itself
    # (stream name, timestamp, random suffix), so no finite list of keys exists.
    arn = nag.rendered(stack_of(policy).resolve(bucket.bucket_arn))
    if arn is None:  # pragma: no cover - bucket ARNs are literals, Fn::GetAtt or Fn::Join of Refs and literals
        raise AssertionError(f"cannot render the ARN of {bucket.node.path} as cdk-nag does")
    reason = (
        f"Firehose names every object it writes under {', '.join(repr(p) for p in prefixes)} itself (timestamp and "
        "random suffix), so the object ARNs can only be given as a prefix; the statement allows only PutObject, "
        "GetObject and AbortMultipartUpload, on this one bucket."
    )
    for prefix in prefixes:
        nag.acknowledge(policy, nag.granular(nag.AwsSolutions.IAM5, f"Resource::{arn}/{prefix}*"), reason)


__all__ = [
    "ATHENA_ENGINE_VERSION",
    "DEFAULT_PROJECTION_START",
    "EventRetention",
    "QuickLookLogs",
    "RawEventBackup",
    "SmsEventAnalytics",
]
