-- Final failures by status, carrier and country, for messages sent in the last 7 days (the messages the delivery
-- rate counts), with each group's share of all failures.
-- Each message counts once, with its final status; carriers the service did not name are grouped as 'unknown'.
-- Only SMS events (eventType TEXT_*): an RCS message read after delivery is no failure with status READ.
WITH latest AS (
    SELECT
        messageid, isfinal, messagestatus, carriername, isocountrycode,
        date(from_unixtime(coalesce(messagerequesttimestamp, eventtimestamp) / 1000)) AS send_date,
        row_number() OVER (PARTITION BY messageid ORDER BY isfinal DESC, eventtimestamp DESC) AS status_rank
    FROM sms_events
    WHERE dt >= date_format(current_date - INTERVAL '7' DAY, '%Y-%m-%d') AND starts_with(eventtype, 'TEXT_')
)
SELECT
    messagestatus,
    coalesce(carriername, 'unknown') AS carrier,
    isocountrycode,
    count(*) AS messages,
    round(100 * CAST(count(*) AS DOUBLE) / sum(count(*)) OVER (), 2) AS share_pct
FROM latest
WHERE
    status_rank = 1
    AND isfinal
    AND messagestatus NOT IN ('DELIVERED', 'SUCCESSFUL')
    AND send_date >= current_date - INTERVAL '7' DAY
GROUP BY 1, 2, 3
ORDER BY messages DESC, messagestatus, carrier, isocountrycode
