-- Message parts per message and share of UCS-2 (UNICODE) messages, by send day, for messages sent in the last 7 days.
-- A UCS-2 message fits 70 characters in one part (67 per part when split) against 160/153 for GSM-7, so a rising
-- UCS-2 share or parts per message explains a rising bill.
-- Only SMS events (eventType TEXT_*). Parts are what a message was split into, not the parts billed.
WITH latest AS (
    SELECT
        messageid, totalmessageparts, messageencoding,
        date(from_unixtime(coalesce(messagerequesttimestamp, eventtimestamp) / 1000)) AS send_date,
        row_number() OVER (PARTITION BY messageid ORDER BY isfinal DESC, eventtimestamp DESC) AS status_rank
    FROM sms_events
    WHERE dt >= date_format(current_date - INTERVAL '7' DAY, '%Y-%m-%d') AND starts_with(eventtype, 'TEXT_')
)
SELECT
    send_date,
    count(*) AS messages,
    sum(totalmessageparts) AS message_parts,
    round(avg(CAST(totalmessageparts AS DOUBLE)), 2) AS avg_parts_per_message,
    max(totalmessageparts) AS max_parts,
    count_if(totalmessageparts > 1) AS multipart_messages,
    count_if(upper(messageencoding) IN ('UNICODE', 'UCS2', 'UCS-2')) AS ucs2_messages,
    round(CAST(count_if(upper(messageencoding) IN ('UNICODE', 'UCS2', 'UCS-2')) AS DOUBLE) / count(*), 4) AS ucs2_share
FROM latest
WHERE status_rank = 1 AND send_date >= current_date - INTERVAL '7' DAY
GROUP BY 1
ORDER BY send_date DESC
