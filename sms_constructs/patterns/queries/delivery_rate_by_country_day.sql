-- Delivery rate by destination country and send day, for messages sent in the last 7 days.
-- Each message counts once, with its latest status (final wins). delivery_rate = delivered / messages with a final
-- status; messages still waiting for their final event (up to 72 h) are counted as pending, not as failures.
-- dt is the day Firehose received an event, never before the send, so the dt window holds every event of the
-- messages sent inside it; it also holds late events of messages sent before it, which the send_date filter drops
-- (reporting those days from their late receipts alone would show mostly UNKNOWN and TTL_EXPIRED).
-- Only SMS events (eventType TEXT_*): a voice call or an RCS read receipt is not an SMS message.
WITH latest AS (
    SELECT
        messageid, isfinal, messagestatus, isocountrycode,
        date(from_unixtime(coalesce(messagerequesttimestamp, eventtimestamp) / 1000)) AS send_date,
        row_number() OVER (PARTITION BY messageid ORDER BY isfinal DESC, eventtimestamp DESC) AS status_rank
    FROM sms_events
    WHERE dt >= date_format(current_date - INTERVAL '7' DAY, '%Y-%m-%d') AND starts_with(eventtype, 'TEXT_')
)
SELECT
    send_date,
    isocountrycode,
    count(*) AS messages,
    count_if(isfinal AND messagestatus IN ('DELIVERED', 'SUCCESSFUL')) AS delivered,
    count_if(isfinal AND messagestatus NOT IN ('DELIVERED', 'SUCCESSFUL')) AS failed,
    count_if(NOT isfinal) AS pending,
    round(
        CAST(count_if(isfinal AND messagestatus IN ('DELIVERED', 'SUCCESSFUL')) AS DOUBLE)
        / nullif(count_if(isfinal), 0),
        4
    ) AS delivery_rate
FROM latest
WHERE status_rank = 1 AND send_date >= current_date - INTERVAL '7' DAY
GROUP BY 1, 2
ORDER BY send_date DESC, isocountrycode
