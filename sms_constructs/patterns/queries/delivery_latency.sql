-- Delivery latency by destination country, for messages sent in the last 7 days: p50 and p95 of the time from the
-- send request to the final successful event, in milliseconds (approximate percentiles). Messages sent before the
-- window are left out: only their slow deliveries land inside it, which would skew the percentiles up.
-- Only SMS events (eventType TEXT_*): an RCS message read 100 hours later is not an SMS delivery.
WITH latest AS (
    SELECT
        messageid, isfinal, eventtimestamp, messagestatus, messagerequesttimestamp, isocountrycode,
        row_number() OVER (PARTITION BY messageid ORDER BY isfinal DESC, eventtimestamp DESC) AS status_rank
    FROM sms_events
    WHERE dt >= date_format(current_date - INTERVAL '7' DAY, '%Y-%m-%d') AND starts_with(eventtype, 'TEXT_')
)
SELECT
    isocountrycode,
    count(*) AS delivered_messages,
    approx_percentile(eventtimestamp - messagerequesttimestamp, 0.5) AS p50_ms,
    approx_percentile(eventtimestamp - messagerequesttimestamp, 0.95) AS p95_ms
FROM latest
WHERE
    status_rank = 1
    AND isfinal
    AND messagestatus IN ('DELIVERED', 'SUCCESSFUL')
    AND messagerequesttimestamp IS NOT NULL
    AND date(from_unixtime(messagerequesttimestamp / 1000)) >= current_date - INTERVAL '7' DAY
GROUP BY isocountrycode
ORDER BY isocountrycode
