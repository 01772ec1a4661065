-- Outcomes by origination identity (the phone number or sender ID the service sent from), for SMS messages sent in the
-- last 7 days: messages, delivered, failed, pending, delivery rate among final statuses, and spend (USD). Each message
-- counts once, with its best event's status (final wins, then the newest) and figures; messages whose events name no
-- identity are grouped as 'unknown'. Only SMS events (eventType TEXT_*).
WITH ranked AS (
    SELECT
        messageid, isfinal, messagestatus, originationphonenumber, totalmessageprice,
        date(from_unixtime(coalesce(messagerequesttimestamp, eventtimestamp) / 1000)) AS send_date,
        row_number() OVER (PARTITION BY messageid ORDER BY isfinal DESC, eventtimestamp DESC) AS status_rank
    FROM sms_events
    WHERE dt >= date_format(current_date - INTERVAL '7' DAY, '%Y-%m-%d') AND starts_with(eventtype, 'TEXT_')
),
per_message AS (
    SELECT
        messageid,
        min_by(isfinal, status_rank) AS isfinal,
        min_by(messagestatus, status_rank) AS messagestatus,
        min_by(send_date, status_rank) AS send_date,
        min_by(originationphonenumber, status_rank) FILTER (
            WHERE originationphonenumber IS NOT NULL
        ) AS originationphonenumber,
        min_by(totalmessageprice, status_rank) FILTER (WHERE totalmessageprice IS NOT NULL) AS totalmessageprice
    FROM ranked
    GROUP BY messageid
)
SELECT
    coalesce(originationphonenumber, 'unknown') AS origination_identity,
    count(*) AS messages,
    count_if(isfinal AND messagestatus IN ('DELIVERED', 'SUCCESSFUL')) AS delivered,
    count_if(isfinal AND messagestatus NOT IN ('DELIVERED', 'SUCCESSFUL')) AS failed,
    count_if(NOT isfinal) AS pending,
    round(
        CAST(count_if(isfinal AND messagestatus IN ('DELIVERED', 'SUCCESSFUL')) AS DOUBLE)
        / nullif(count_if(isfinal), 0),
        4
    ) AS delivery_rate,
    round(sum(totalmessageprice), 5) AS price_usd
FROM per_message
WHERE send_date >= current_date - INTERVAL '7' DAY
GROUP BY 1
ORDER BY messages DESC, origination_identity
