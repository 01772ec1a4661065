-- Retry outcomes, last 7 days: send requests grouped by how many attempts they took, and how the last attempt ended.
-- The send queue writes the request id and the attempt number into the message context (smsRequestId,
-- smsAttempt); Firehose's JSON conversion lower-cases map keys, so both spellings are looked up. Messages sent
-- without those keys (not through the send queue) are left out.
-- Only SMS events (eventType TEXT_*): the send queue sends SMS only.
WITH latest AS (
    SELECT
        messageid,
        messagestatus,
        isfinal,
        coalesce(element_at(context, 'smsrequestid'), element_at(context, 'smsRequestId')) AS request_id,
        try_cast(coalesce(element_at(context, 'smsattempt'), element_at(context, 'smsAttempt')) AS INTEGER) AS attempt,
        row_number() OVER (PARTITION BY messageid ORDER BY isfinal DESC, eventtimestamp DESC) AS status_rank
    FROM sms_events
    WHERE dt >= date_format(current_date - INTERVAL '7' DAY, '%Y-%m-%d') AND starts_with(eventtype, 'TEXT_')
),
per_request AS (
    SELECT
        request_id,
        max(attempt) AS attempts,
        max_by(messagestatus, attempt) AS last_status,
        max_by(isfinal, attempt) AS last_is_final
    FROM latest
    WHERE status_rank = 1 AND request_id IS NOT NULL AND attempt IS NOT NULL
    GROUP BY request_id
)
SELECT
    attempts,
    count(*) AS requests,
    count_if(last_is_final AND last_status IN ('DELIVERED', 'SUCCESSFUL')) AS delivered,
    count_if(
        last_is_final AND last_status IN ('CARRIER_UNREACHABLE', 'UNREACHABLE', 'TTL_EXPIRED', 'UNKNOWN')
    ) AS failed_transient,
    count_if(
        last_is_final
        AND last_status IN ('INVALID', 'INVALID_MESSAGE', 'BLOCKED', 'CARRIER_BLOCKED', 'SPAM', 'PROTECT_BLOCKED')
    ) AS failed_permanent,
    count_if(NOT last_is_final) AS in_flight
FROM per_request
GROUP BY attempts
ORDER BY attempts
