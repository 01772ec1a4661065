"""The whole sms-constructs pipeline offline, on a simulated clock (``make simulate``, ``sms-constructs-simulate``).

An optional part of the package (the ``simulate`` extra: Powertools, pyarrow, duckdb, sqlglot, tqdm), never imported
by ``sms_constructs`` itself nor by the runtime:

- ``clock`` — a simulated clock that runs real blocking code (the handlers) in simulated time;
- ``fake_sms`` — the one fake of the SMS API (also used by the handler tests);
- ``fake_aws`` — in-memory DynamoDB, SQS and SNS;
- ``lake`` — the event lake as Firehose writes it, and the named Athena queries on DuckDB;
- ``run`` — the pipeline and its ground-truth check; ``__main__`` — the command line and the delivery report;
- ``scenarios`` — lanes, quotas and GSM-7 normalisation shown with traffic of their own, each with its checks.
"""
