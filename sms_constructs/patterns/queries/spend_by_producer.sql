-- Spend by producer and send day (UTC), for SMS messages sent in the last 30 days (USD).
-- The producer is the smsProducer entry the send queue writes into the message context for a request that names its
-- producer; Firehose's JSON conversion lower-cases map keys, so both spellings are looked up. Messages without one
-- (not sent through the send queue, or by a request without a producer) are reported as producer '(none)', so the
-- days add up to spend_by_day_country_type. Each message counts once, with the figures of its best event: a final
-- event wins, then the newest, and a figure the best event leaves out comes from the next event that reports it (the
-- same rule as every spend query). Retries are separate messages, each with its own price. Late events of messages
-- sent before the window land inside it; the send_date filter keeps their days from being reported with part of
-- their spend. Only SMS events (eventType TEXT_*).
WITH ranked AS (
    SELECT
        messageid, totalmessageparts, totalmessageprice, totalcarrierfee,
        coalesce(element_at(context, 'smsproducer'), element_at(context, 'smsProducer')) AS producer,
        date(from_unixtime(coalesce(messagerequesttimestamp, eventtimestamp) / 1000)) AS send_date,
        row_number() OVER (PARTITION BY messageid ORDER BY isfinal DESC, eventtimestamp DESC) AS status_rank
    FROM sms_events
    WHERE dt >= date_format(current_date - INTERVAL '30' DAY, '%Y-%m-%d') AND starts_with(eventtype, 'TEXT_')
),
per_message AS (
    SELECT
        messageid,
        min_by(producer, status_rank) FILTER (WHERE producer IS NOT NULL) AS producer,
        min_by(send_date, status_rank) AS send_date,
        min_by(totalmessageparts, status_rank) FILTER (WHERE totalmessageparts IS NOT NULL) AS totalmessageparts,
        min_by(totalmessageprice, status_rank) FILTER (WHERE totalmessageprice IS NOT NULL) AS totalmessageprice,
        min_by(totalcarrierfee, status_rank) FILTER (WHERE totalcarrierfee IS NOT NULL) AS totalcarrierfee
    FROM ranked
    GROUP BY messageid
)
SELECT
    send_date,
    coalesce(producer, '(none)') AS producer,
    count(*) AS messages,
    sum(totalmessageparts) AS message_parts,
    round(sum(totalmessageprice), 5) AS price_usd,
    round(sum(totalcarrierfee), 5) AS carrier_fee_usd
FROM per_message
WHERE send_date >= current_date - INTERVAL '30' DAY
GROUP BY 1, 2
ORDER BY send_date DESC, price_usd DESC, producer
