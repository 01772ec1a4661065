"""SmsEventAnalytics: synthesized template, least-privilege policies, wiring to configuration sets, validation and
the compliance gates."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_kms as kms
import aws_cdk.aws_s3 as s3
import pytest
from aws_cdk.assertions import Capture, Match, Template
from sms_constructs_runtime.events import FAILURE_STATUSES, FIELDS, glue_columns

from sms_constructs._private.errors import ValidationError
from sms_constructs.patterns._analytics_queries import NAMED_QUERIES
from sms_constructs.patterns.event_analytics import EventRetention, QuickLookLogs, RawEventBackup, SmsEventAnalytics
from sms_constructs.resources.configuration_set import ConfigurationSet
from sms_constructs.resources.event_destination import EventType
from sms_constructs.sample_app.analytics_stack import EventAnalyticsStack
from sms_constructs.sample_app.config import Profile
from tests.compliance.gates import cfn_lint_findings, checkov_failures, nag_violations
from tests.conftest import ENV, cdk_json_context

LOG_GROUP_ARN_PREFIX = "arn:aws:logs:us-east-1:111122223333:log-group:"


def _template(stack: cdk.Stack, **props: Any) -> tuple[SmsEventAnalytics, Template]:
    analytics = SmsEventAnalytics(stack, "Events", **props)
    return analytics, Template.from_stack(stack)


def _ref(stack: cdk.Stack, construct: Any) -> str:
    child = construct if isinstance(construct, cdk.CfnElement) else construct.node.default_child
    return stack.get_logical_id(child)


# --- Firehose ---------------------------------------------------------------------------------------------------


def test_stream_converts_json_to_snappy_parquet_with_the_glue_table(stack: cdk.Stack) -> None:
    analytics, template = _template(stack)
    table_id, db_id = _ref(stack, analytics.table), _ref(stack, analytics.database)
    template.has_resource_properties(
        "AWS::KinesisFirehose::DeliveryStream",
        {
            "DeliveryStreamType": "DirectPut",
            "DeliveryStreamEncryptionConfigurationInput": {
                "KeyType": "CUSTOMER_MANAGED_CMK",
                "KeyARN": {"Fn::GetAtt": [_ref(stack, analytics.key), "Arn"]},
            },
            "ExtendedS3DestinationConfiguration": Match.object_like(
                {
                    "BucketARN": {"Fn::GetAtt": [_ref(stack, analytics.bucket), "Arn"]},
                    "Prefix": "events/dt=!{timestamp:yyyy-MM-dd}/",
                    "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/",
                    "BufferingHints": {"IntervalInSeconds": 300, "SizeInMBs": 128},
                    "EncryptionConfiguration": {
                        "KMSEncryptionConfig": {"AWSKMSKeyARN": {"Fn::GetAtt": [_ref(stack, analytics.key), "Arn"]}}
                    },
                    "CloudWatchLoggingOptions": Match.object_like(
                        {"Enabled": True, "LogGroupName": {"Ref": _ref(stack, analytics.delivery_log_group)}}
                    ),
                    "DataFormatConversionConfiguration": {
                        "Enabled": True,
                        "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {"CaseInsensitive": True}}},
                        "OutputFormatConfiguration": {
                            "Serializer": {"ParquetSerDe": {"Compression": "SNAPPY", "WriterVersion": "V1"}}
                        },
                        "SchemaConfiguration": {
                            "CatalogId": "111122223333",
                            "DatabaseName": {"Ref": db_id},
                            "TableName": {"Ref": table_id},
                            "Region": "us-east-1",
                            "VersionId": "LATEST",
                            "RoleARN": {"Fn::GetAtt": [_ref(stack, analytics.delivery_role), "Arn"]},
                        },
                    },
                }
            ),
        },
    )
    # The stream is created only once its role can write (the policy is a separate resource).
    stream = template.find_resources("AWS::KinesisFirehose::DeliveryStream")
    assert next(iter(stream.values()))["DependsOn"] == [_ref(stack, analytics.delivery_policy)]


def test_buffering_hints_are_props(stack: cdk.Stack) -> None:
    _, template = _template(stack, buffering_interval=cdk.Duration.seconds(900), buffering_size=cdk.Size.mebibytes(64))
    template.has_resource_properties(
        "AWS::KinesisFirehose::DeliveryStream",
        {
            "ExtendedS3DestinationConfiguration": Match.object_like(
                {"BufferingHints": {"IntervalInSeconds": 900, "SizeInMBs": 64}}
            )
        },
    )


def test_delivery_role_policy_is_exactly_least_privilege(stack: cdk.Stack) -> None:
    analytics, template = _template(stack)
    bucket_arn = {"Fn::GetAtt": [_ref(stack, analytics.bucket), "Arn"]}
    db = {"Ref": _ref(stack, analytics.database)}
    log_group = {"Ref": _ref(stack, analytics.delivery_log_group)}
    log_stream = {"Ref": _ref(stack, analytics.delivery_log_group.node.find_child("S3Destination"))}
    template.resource_count_is("AWS::IAM::Policy", 1)
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": _ref(stack, analytics.delivery_role)}],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "ReadTableSchema",
                        "Effect": "Allow",
                        "Action": ["glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"],
                        "Resource": [
                            "arn:aws:glue:us-east-1:111122223333:catalog",
                            {"Fn::Join": ["", ["arn:aws:glue:us-east-1:111122223333:database/", db]]},
                            {"Fn::Join": ["", ["arn:aws:glue:us-east-1:111122223333:table/", db, "/sms_events"]]},
                        ],
                    },
                    {
                        "Sid": "LocateBucket",
                        "Effect": "Allow",
                        "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
                        "Resource": bucket_arn,
                    },
                    {
                        "Sid": "WriteObjects",
                        "Effect": "Allow",
                        "Action": ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
                        "Resource": [
                            {"Fn::Join": ["", [bucket_arn, "/errors/*"]]},
                            {"Fn::Join": ["", [bucket_arn, "/events/*"]]},
                        ],
                    },
                    {
                        "Sid": "WriteErrorLog",
                        "Effect": "Allow",
                        "Action": "logs:PutLogEvents",
                        "Resource": {
                            "Fn::Join": [
                                "",
                                [
                                    "arn:aws:logs:us-east-1:111122223333:log-group:",
                                    log_group,
                                    ":log-stream:",
                                    log_stream,
                                ],
                            ]
                        },
                    },
                    {
                        "Sid": "EncryptObjects",
                        "Effect": "Allow",
                        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                        "Resource": {"Fn::GetAtt": [_ref(stack, analytics.key), "Arn"]},
                        "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
                    },
                ],
            },
        },
    )
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Action": "sts:AssumeRole",
                        "Effect": "Allow",
                        "Principal": {"Service": "firehose.amazonaws.com"},
                        # The condition the Firehose developer guide documents ("Allow Firehose to assume an IAM
                        # role"): Firehose passes the stream owner's account as the external ID.
                        "Condition": {"StringEquals": {"sts:ExternalId": "111122223333"}},
                    }
                ],
            }
        },
    )


# --- buckets and key ----------------------------------------------------------------------------------------------


def test_data_bucket_secure_defaults(stack: cdk.Stack) -> None:
    analytics, template = _template(stack)
    template.has_resource(
        "AWS::S3::Bucket",
        {
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": Match.object_like(
                {
                    "BucketEncryption": {
                        "ServerSideEncryptionConfiguration": [
                            {
                                "BucketKeyEnabled": True,
                                "ServerSideEncryptionByDefault": {
                                    "SSEAlgorithm": "aws:kms",
                                    "KMSMasterKeyID": {"Fn::GetAtt": [_ref(stack, analytics.key), "Arn"]},
                                },
                            }
                        ]
                    },
                    "VersioningConfiguration": {"Status": "Enabled"},
                    "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": True,
                        "BlockPublicPolicy": True,
                        "IgnorePublicAcls": True,
                        "RestrictPublicBuckets": True,
                    },
                    "LoggingConfiguration": {
                        "DestinationBucketName": {"Ref": _ref(stack, analytics.logging_bucket)},
                        "LogFilePrefix": "events-bucket/",
                    },
                    "LifecycleConfiguration": {
                        "Rules": [
                            {
                                "Id": "NoncurrentVersions",
                                "Status": "Enabled",
                                "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                                "ExpiredObjectDeleteMarker": True,
                                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                            },
                            {
                                "Id": "ExpireErrorRecords",
                                "Status": "Enabled",
                                "Prefix": "errors/",
                                "ExpirationInDays": 90,
                            },
                            # Event objects hold phone numbers: a finite expiry by default (EventRetention.DEFAULT).
                            {"Id": "ExpireEvents", "Status": "Enabled", "Prefix": "events/", "ExpirationInDays": 365},
                        ]
                    },
                    # AWS Control Tower CT.S3.PR.4: event notifications, to EventBridge (no custom resource).
                    "NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}},
                }
            ),
        },
    )
    # TLS only (and TLS 1.2 at least) on the data bucket.
    policy = Capture()
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": _ref(stack, analytics.bucket)},
            "PolicyDocument": {"Statement": policy, "Version": Match.any_value()},
        },
    )
    conditions = [s["Condition"] for s in policy.as_array() if s["Effect"] == "Deny"]
    assert {"Bool": {"aws:SecureTransport": "false"}} in conditions
    assert {"NumericLessThan": {"s3:TlsVersion": 1.2}} in conditions


def test_results_bucket_expires_results_and_key_rotates(stack: cdk.Stack) -> None:
    analytics, template = _template(stack, query_results_retention=cdk.Duration.days(7))
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "LoggingConfiguration": {
                "LogFilePrefix": "query-results-bucket/",
                "DestinationBucketName": Match.any_value(),
            },
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "ExpireQueryResults",
                        "Status": "Enabled",
                        "ExpirationInDays": 7,
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                    }
                ]
            },
        },
    )
    template.has_resource(
        "AWS::KMS::Key", {"Properties": Match.object_like({"EnableKeyRotation": True}), "DeletionPolicy": "Retain"}
    )
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "AllowCloudWatchLogsEncryption",
                                "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
                                # Only the pattern's own log group (no quick look here): Firehose's error log.
                                "Condition": {
                                    "ArnLike": {
                                        "kms:EncryptionContext:aws:logs:arn": [
                                            f"{LOG_GROUP_ARN_PREFIX}/sms-constructs/TestStack-Events-4F045595"
                                            "-DeliveryErrors/*"
                                        ]
                                    }
                                },
                            }
                        )
                    ]
                )
            }
        },
    )
    # The access-log bucket: SSE-S3 (S3 cannot deliver access logs to an SSE-KMS bucket), skip of CKV_AWS_18.
    template.has_resource(
        "AWS::S3::Bucket",
        {
            "Properties": Match.object_like(
                {
                    "BucketEncryption": {
                        "ServerSideEncryptionConfiguration": [
                            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                        ]
                    }
                }
            ),
            "Metadata": Match.object_like({"checkov": {"skip": [Match.object_like({"id": "CKV_AWS_18"})]}}),
        },
    )
    assert analytics.results_bucket is not analytics.bucket


def test_bucket_props_are_merged_over_the_defaults(stack: cdk.Stack) -> None:
    _, template = _template(stack, bucket_props=s3.BucketProps(bucket_name="acme-sms-events", versioned=False))
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketName": "acme-sms-events",
            "VersioningConfiguration": Match.absent(),
            "LoggingConfiguration": Match.object_like({"LogFilePrefix": "events-bucket/"}),
        },
    )


def test_existing_bucket_is_used_and_no_data_bucket_created(stack: cdk.Stack) -> None:
    bucket = s3.Bucket.from_bucket_name(stack, "Existing", "acme-existing-events")
    analytics, template = _template(stack, existing_bucket=bucket)
    template.resource_count_is("AWS::S3::Bucket", 2)  # access logs and query results only
    assert analytics.bucket is bucket
    template.has_resource_properties(
        "AWS::Glue::Table",
        {
            "TableInput": Match.object_like(
                {"StorageDescriptor": Match.object_like({"Location": "s3://acme-existing-events/events/"})}
            )
        },
    )
    statements = Capture()
    template.has_resource_properties(
        "AWS::IAM::Policy", {"PolicyDocument": {"Statement": statements, "Version": "2012-10-17"}}
    )
    assert "EncryptObjects" not in [s["Sid"] for s in statements.as_array()]  # unknown key: not granted


def test_event_retention_expires_events_and_bounds_projection(stack: cdk.Stack) -> None:
    _, template = _template(stack, event_retention=EventRetention.days(400))
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "LifecycleConfiguration": {
                "Rules": Match.array_with(
                    [{"Id": "ExpireEvents", "Status": "Enabled", "Prefix": "events/", "ExpirationInDays": 400}]
                )
            }
        },
    )
    template.has_resource_properties(
        "AWS::Glue::Table",
        {
            "TableInput": Match.object_like(
                {"Parameters": Match.object_like({"projection.dt.range": "NOW-400DAYS,NOW"})}
            )
        },
    )


# --- Glue ---------------------------------------------------------------------------------------------------------


def test_table_columns_come_from_the_event_schema(stack: cdk.Stack) -> None:
    analytics, template = _template(stack, database_name="acme_sms")
    columns = Capture()
    template.has_resource_properties(
        "AWS::Glue::Table",
        {
            "CatalogId": "111122223333",
            "DatabaseName": {"Ref": _ref(stack, analytics.database)},
            "TableInput": {
                "Name": "sms_events",
                "Description": Match.any_value(),
                "TableType": "EXTERNAL_TABLE",
                "PartitionKeys": [{"Name": "dt", "Type": "string", "Comment": Match.any_value()}],
                "Parameters": {
                    "classification": "parquet",
                    "parquet.compression": "SNAPPY",
                    "EXTERNAL": "TRUE",
                    "projection.enabled": "true",
                    "projection.dt.type": "date",
                    "projection.dt.format": "yyyy-MM-dd",
                    "projection.dt.range": "NOW-365DAYS,NOW",  # the default event retention
                    "projection.dt.interval": "1",
                    "projection.dt.interval.unit": "DAYS",
                    "storage.location.template": {
                        "Fn::Join": ["", ["s3://", {"Ref": _ref(stack, analytics.bucket)}, "/events/dt=${dt}/"]]
                    },
                },
                "StorageDescriptor": {
                    "Columns": columns,
                    "Location": {"Fn::Join": ["", ["s3://", {"Ref": _ref(stack, analytics.bucket)}, "/events/"]]},
                    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                    "SerdeInfo": {
                        "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                        "Parameters": {"serialization.format": "1"},
                    },
                    "Compressed": False,
                    "StoredAsSubDirectories": False,
                },
            },
        },
    )
    assert [(c["Name"], c["Type"], c["Comment"]) for c in columns.as_array()] == glue_columns()
    names = {c["Name"]: c["Type"] for c in columns.as_array()}
    assert len(names) == len(FIELDS)
    assert names["context"] == "map<string,string>"
    assert names["protectconfiguration"].startswith("struct<")
    assert {"mcc", "mnc", "carriername", "isinternationalsend"} <= set(names)
    template.has_resource_properties(
        "AWS::Glue::Database", {"CatalogId": "111122223333", "DatabaseInput": Match.object_like({"Name": "acme_sms"})}
    )
    template.resource_count_is("AWS::Glue::Crawler", 0)
    template.resource_count_is("AWS::Lambda::Function", 0)  # no per-object partition Lambda


# --- Athena -------------------------------------------------------------------------------------------------------


def test_workgroup_enforces_engine_3_encrypted_results_and_scan_cutoff(stack: cdk.Stack) -> None:
    analytics, template = _template(
        stack, workgroup_name="acme-sms", bytes_scanned_cutoff_per_query=cdk.Size.gibibytes(5)
    )
    template.has_resource_properties(
        "AWS::Athena::WorkGroup",
        {
            "Name": "acme-sms",
            "State": "ENABLED",
            "WorkGroupConfiguration": {
                "EnforceWorkGroupConfiguration": True,
                "PublishCloudWatchMetricsEnabled": True,
                "RequesterPaysEnabled": False,
                "BytesScannedCutoffPerQuery": 5 * 1024**3,
                "EngineVersion": {"SelectedEngineVersion": "Athena engine version 3"},
                "ResultConfiguration": {
                    "OutputLocation": {
                        "Fn::Join": ["", ["s3://", {"Ref": _ref(stack, analytics.results_bucket)}, "/results/"]]
                    },
                    "EncryptionConfiguration": {
                        "EncryptionOption": "SSE_KMS",
                        "KmsKey": {"Fn::GetAtt": [_ref(stack, analytics.key), "Arn"]},
                    },
                    "ExpectedBucketOwner": "111122223333",
                },
            },
        },
    )


def test_workgroup_can_be_deleted_or_replaced_after_queries_ran(stack: cdk.Stack) -> None:
    # Athena refuses DeleteWorkGroup on a workgroup that holds query executions ("WorkGroup ... is not empty") unless
    # RecursiveDeleteOption is set: without it, the stack's deletion, or a rename (Name is create-only, so the old
    # workgroup is deleted in cleanup), fails as soon as anyone has run a query. The results stay in the results bucket.
    _, template = _template(stack)
    template.has_resource_properties("AWS::Athena::WorkGroup", {"RecursiveDeleteOption": True})


def test_default_scan_cutoff_is_ten_gibibytes(stack: cdk.Stack) -> None:
    _, template = _template(stack)
    template.has_resource_properties(
        "AWS::Athena::WorkGroup",
        {"WorkGroupConfiguration": Match.object_like({"BytesScannedCutoffPerQuery": 10 * 1024**3})},
    )


def test_named_queries_are_the_packaged_sql_files(stack: cdk.Stack) -> None:
    analytics, template = _template(stack)
    queries = template.find_resources("AWS::Athena::NamedQuery")
    assert len(queries) == len(NAMED_QUERIES) >= 8
    by_name = {q["Properties"]["Name"]: q["Properties"] for q in queries.values()}
    for spec in NAMED_QUERIES:
        props = by_name[spec.title]
        assert props["QueryString"] == spec.sql
        assert props["Database"] == {"Ref": _ref(stack, analytics.database)}
        assert props["WorkGroup"] == {"Ref": _ref(stack, analytics.workgroup)}
        assert props["Description"] == spec.description


# --- quick look and outputs ---------------------------------------------------------------------------------------


def test_quick_look_log_group_and_insights_queries(stack: cdk.Stack) -> None:
    analytics, template = _template(stack, quick_look=QuickLookLogs(retention=cdk.aws_logs.RetentionDays.ONE_WEEK))
    assert analytics.quick_look_log_group is not None
    template.has_resource_properties(
        "AWS::Logs::LogGroup",
        {"RetentionInDays": 7, "KmsKeyId": {"Fn::GetAtt": [_ref(stack, analytics.key), "Arn"]}},
    )
    definitions = template.find_resources("AWS::Logs::QueryDefinition")
    assert len(definitions) == 2
    strings = {d["Properties"]["Name"].rsplit("/", 1)[-1]: d["Properties"]["QueryString"] for d in definitions.values()}
    assert set(strings) == {"failures-last-hour", "spend-today"}
    for status in FAILURE_STATUSES:
        assert f'"{status}"' in strings["failures-last-hour"]
    # One figure per message: its newest event that reports a price (the final one), as the Athena queries count.
    assert (
        "stats latest(totalMessagePrice) as price, latest(totalCarrierFee) as fee by messageId"
        in strings["spend-today"]
    )
    for query in strings.values():  # only SMS events (a destination may also deliver voice, MMS, RCS)
        assert "| filter eventType like /^TEXT_/" in query
    assert "| stats count(*) as messages, sum(price) as priceUsd" in strings["spend-today"]
    for d in definitions.values():
        assert d["Properties"]["LogGroupNames"] == [{"Ref": _ref(stack, analytics.quick_look_log_group)}]


def test_no_quick_look_by_default(stack: cdk.Stack) -> None:
    analytics, template = _template(stack)
    assert analytics.quick_look_log_group is None
    template.resource_count_is("AWS::Logs::QueryDefinition", 0)
    template.resource_count_is("AWS::Logs::LogGroup", 1)  # Firehose delivery errors only
    # A year, like the functions' logs (AWS Control Tower CT.CLOUDWATCH.PR.2); it holds error codes, not events.
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 365, "KmsKeyId": Match.any_value()})


def test_outputs_name_database_table_workgroup_and_bucket(stack: cdk.Stack) -> None:
    analytics, template = _template(stack)
    outputs = template.find_outputs("*")
    values = {key: out["Value"] for key, out in outputs.items()}
    assert {"Ref": _ref(stack, analytics.database)} in values.values()
    assert "sms_events" in values.values()
    assert {"Ref": _ref(stack, analytics.workgroup)} in values.values()
    assert {"Ref": _ref(stack, analytics.bucket)} in values.values()
    assert len(outputs) == 4


# --- configuration sets -------------------------------------------------------------------------------------------


def test_configuration_set_prop_adds_firehose_destination(stack: cdk.Stack) -> None:
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    analytics, template = _template(
        stack, configuration_set=config, events=[EventType.TEXT_DELIVERED, EventType.TEXT_BLOCKED]
    )
    assert [d.event_destination_name for d in analytics.event_destinations] == ["EventsFirehose"]
    template.has_resource_properties(
        "AWS::SMSVOICE::ConfigurationSet",
        {
            "EventDestinations": [
                {
                    "EventDestinationName": "EventsFirehose",
                    "Enabled": True,
                    "MatchingEventTypes": ["TEXT_DELIVERED", "TEXT_BLOCKED"],
                    "KinesisFirehoseDestination": {
                        "DeliveryStreamArn": {"Fn::GetAtt": [_ref(stack, analytics.delivery_stream), "Arn"]},
                        "IamRoleArn": Match.any_value(),
                    },
                }
            ]
        },
    )


def test_configuration_set_in_another_stack_depends_on_analytics_only(app: cdk.App) -> None:
    analytics_stack = cdk.Stack(app, "Analytics", env=ENV)
    messaging = cdk.Stack(app, "Messaging", env=ENV)
    analytics = SmsEventAnalytics(analytics_stack, "Events", quick_look=QuickLookLogs())
    config = ConfigurationSet(messaging, "Config", configuration_set_name="acme")
    added = analytics.add_configuration_set(config)
    assert [d.event_destination_name for d in added] == ["EventsFirehose", "EventsLogs"]
    assert all(d.role is not None and cdk.Stack.of(d.role) is messaging for d in added)

    analytics_json = json.dumps(Template.from_stack(analytics_stack).to_json())
    assert "Fn::ImportValue" not in analytics_json
    assert analytics_stack.dependencies == []
    assert messaging.dependencies == [analytics_stack]

    messaging_template = Template.from_stack(messaging)
    messaging_template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "firehose:PutRecord",
                        "Effect": "Allow",
                        "Resource": {"Fn::ImportValue": Match.string_like_regexp("Analytics:.*EventsStream")},
                    }
                ],
                "Version": "2012-10-17",
            }
        },
    )
    messaging_template.has_resource_properties(
        "AWS::SMSVOICE::ConfigurationSet",
        {
            "EventDestinations": [
                Match.object_like({"EventDestinationName": "EventsFirehose", "MatchingEventTypes": ["TEXT_ALL"]}),
                Match.object_like(
                    {
                        "EventDestinationName": "EventsLogs",
                        "CloudWatchLogsDestination": Match.object_like(
                            {
                                "LogGroupArn": {
                                    "Fn::Join": [
                                        "",
                                        [
                                            "arn:aws:logs:us-east-1:111122223333:log-group:",
                                            {"Fn::ImportValue": Match.string_like_regexp("Analytics:.*QuickLook")},
                                        ],
                                    ]
                                }
                            }
                        ),
                    }
                ),
            ]
        },
    )


def test_sample_analytics_stack_holds_one_pattern_without_configuration_set(app: cdk.App) -> None:
    profile = Profile(name="sandbox", name_prefix="sms-sandbox")
    stack = EventAnalyticsStack(app, "SmsSandboxAnalytics", profile=profile, env=ENV)
    assert isinstance(stack.analytics, SmsEventAnalytics)
    assert stack.analytics.event_destinations == []
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Glue::Database", {"DatabaseInput": Match.object_like({"Name": "sms_sandbox_events"})}
    )
    template.has_resource_properties("AWS::Athena::WorkGroup", {"Name": "sms-sandbox-events"})
    template.resource_count_is("AWS::Logs::QueryDefinition", 2)  # the sandbox has the quick look
    template.resource_count_is("AWS::SMSVOICE::ConfigurationSet", 0)


# --- validation ---------------------------------------------------------------------------------------------------


def test_fails_existing_bucket_with_bucket_props(stack: cdk.Stack) -> None:
    bucket = s3.Bucket.from_bucket_name(stack, "Existing", "acme")
    with pytest.raises(ValidationError, match=r"TestStack/Events: invalid 'existing_bucket/bucket_props': give either"):
        SmsEventAnalytics(stack, "Events", existing_bucket=bucket, bucket_props=s3.BucketProps(versioned=True))


@pytest.mark.parametrize("name", ["Acme", "acme-events", "x" * 256])
def test_fails_database_name(stack: cdk.Stack, name: str) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'database_name'"):
        SmsEventAnalytics(stack, "Events", database_name=name)


def test_fails_workgroup_name(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'workgroup_name': must match .*; received 'acme sms'"):
        SmsEventAnalytics(stack, "Events", workgroup_name="acme sms")


def test_fails_delivery_stream_name(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'delivery_stream_name'"):
        SmsEventAnalytics(stack, "Events", delivery_stream_name="a/b")


def test_fails_buffering_interval_over_900_seconds(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'buffering_interval': must be between 0 and 900 seconds"):
        SmsEventAnalytics(stack, "Events", buffering_interval=cdk.Duration.minutes(16))


@pytest.mark.parametrize("mib", [5, 129])
def test_fails_buffering_size_outside_64_to_128_mib(stack: cdk.Stack, mib: int) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'buffering_size': must be between 64 and 128 MiB"):
        SmsEventAnalytics(stack, "Events", buffering_size=cdk.Size.mebibytes(mib))


def test_fails_scan_cutoff_under_10_mb(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'bytes_scanned_cutoff_per_query': must be at least 10 MB"):
        SmsEventAnalytics(stack, "Events", bytes_scanned_cutoff_per_query=cdk.Size.mebibytes(5))


@pytest.mark.parametrize(
    ("prop", "value"),
    [
        ("query_results_retention", cdk.Duration.hours(36)),
        ("event_retention", EventRetention.of(cdk.Duration.hours(36))),
        ("raw_event_backup.retention", RawEventBackup(retention=cdk.Duration.hours(36))),
    ],
)
def test_fails_retention_not_whole_days(stack: cdk.Stack, prop: str, value: Any) -> None:
    with pytest.raises(ValidationError, match=rf"invalid '{re.escape(prop)}': must be a whole number of days"):
        SmsEventAnalytics(stack, "Events", **{prop.split(".", maxsplit=1)[0]: value})


def test_fails_event_retention_with_existing_bucket(stack: cdk.Stack) -> None:
    bucket = s3.Bucket.from_bucket_name(stack, "Existing", "acme")
    with pytest.raises(ValidationError, match=r"invalid 'event_retention': expires objects"):
        SmsEventAnalytics(stack, "Events", existing_bucket=bucket, event_retention=EventRetention.days(30))


def test_fails_no_event_types(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'events': must name at least one EventType"):
        SmsEventAnalytics(stack, "Events", events=[])


def test_fails_quick_look_log_group_name(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'quick_look.log_group_name'"):
        SmsEventAnalytics(stack, "Events", quick_look=QuickLookLogs(log_group_name="bad name"))


def test_tokens_are_not_validated(stack: cdk.Stack) -> None:
    name = cdk.CfnParameter(stack, "Db").value_as_string
    SmsEventAnalytics(stack, "Events", database_name=name, workgroup_name=cdk.CfnParameter(stack, "Wg").value_as_string)
    Template.from_stack(stack).has_resource_properties(
        "AWS::Glue::Database", {"DatabaseInput": Match.object_like({"Name": {"Ref": "Db"}})}
    )


def test_imported_key_is_used_without_changing_its_policy(stack: cdk.Stack) -> None:
    key = kms.Key.from_key_arn(
        stack, "Key", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    analytics, template = _template(stack, encryption_key=key)
    assert analytics.key is key
    template.resource_count_is("AWS::KMS::Key", 0)
    template.has_resource_properties(
        "AWS::Athena::WorkGroup",
        {
            "WorkGroupConfiguration": Match.object_like(
                {
                    "ResultConfiguration": Match.object_like(
                        {"EncryptionConfiguration": {"EncryptionOption": "SSE_KMS", "KmsKey": key.key_arn}}
                    )
                }
            )
        },
    )


# --- compliance ---------------------------------------------------------------------------------------------------


def test_compliance_gates_pass_for_the_pattern_and_its_configuration_set(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path), context=cdk_json_context())
    analytics_stack = cdk.Stack(app, "Analytics", env=ENV)
    messaging = cdk.Stack(app, "Messaging", env=ENV)
    analytics = SmsEventAnalytics(analytics_stack, "Events", quick_look=QuickLookLogs())
    analytics.add_configuration_set(ConfigurationSet(messaging, "Config", configuration_set_name="acme"))
    app.synth()
    assert nag_violations(app) == []
    templates = sorted(tmp_path.glob("*.template.json"))
    assert len(templates) == 2
    assert cfn_lint_findings(templates) == []
    assert checkov_failures(tmp_path) == []
