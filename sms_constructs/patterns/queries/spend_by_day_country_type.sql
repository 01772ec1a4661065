-- Spend by send day, destination country and message type, for SMS messages sent in the last 30 days (USD).
-- Each message counts once, with the figures of its best event: a final event wins, then the newest (so a message
-- reported by SUCCESSFUL and then DELIVERED is billed as the DELIVERED event says, the figure latest_status shows);
-- a figure the best event leaves out comes from the next event that reports it, so duplicate receipts and
-- intermediate events never double the bill and a missing field never zeroes it. message_parts is the parts messages
-- were split into, not the parts billed (a blocked message reports its parts with price 0). Late events of messages
-- sent before the window land inside it; the send_date filter keeps their days from being reported with part of their
-- spend. Only SMS events (eventType TEXT_*).
WITH ranked AS (
    SELECT
        messageid, isocountrycode, messagetype, totalmessageparts, totalmessageprice, totalcarrierfee,
        date(from_unixtime(coalesce(messagerequesttimestamp, eventtimestamp) / 1000)) AS send_date,
        row_number() OVER (PARTITION BY messageid ORDER BY isfinal DESC, eventtimestamp DESC) AS status_rank
    FROM sms_events
    WHERE dt >= date_format(current_date - INTERVAL '30' DAY, '%Y-%m-%d') AND starts_with(eventtype, 'TEXT_')
),
per_message AS (
    SELECT
        messageid,
        min_by(isocountrycode, status_rank) AS isocountrycode,
        min_by(messagetype, status_rank) AS messagetype,
        min_by(send_date, status_rank) AS send_date,
        min_by(totalmessageparts, status_rank) FILTER (WHERE totalmessageparts IS NOT NULL) AS totalmessageparts,
        min_by(totalmessageprice, status_rank) FILTER (WHERE totalmessageprice IS NOT NULL) AS totalmessageprice,
        min_by(totalcarrierfee, status_rank) FILTER (WHERE totalcarrierfee IS NOT NULL) AS totalcarrierfee
    FROM ranked
    GROUP BY messageid
)
SELECT
    send_date,
    isocountrycode,
    messagetype,
    count(*) AS messages,
    sum(totalmessageparts) AS message_parts,
    round(sum(totalmessageprice), 5) AS price_usd,
    round(sum(totalcarrierfee), 5) AS carrier_fee_usd
FROM per_message
WHERE send_date >= current_date - INTERVAL '30' DAY
GROUP BY 1, 2, 3
ORDER BY send_date DESC, price_usd DESC, isocountrycode, messagetype
