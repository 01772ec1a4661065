-- Spend by send day, destination country and message type, for messages sent in the last 30 days (USD).
-- Each message counts once, with the highest parts, price and carrier fee any of its events reported (an event that
-- leaves them out does not zero the bill), so duplicate receipts and intermediate events never double it. Late events of messages sent before the window land
-- inside it; the send_date filter keeps their days from being reported with part of their spend.
WITH latest AS (
    SELECT
        messageid, isocountrycode, messagetype,
        max(totalmessageparts) OVER (PARTITION BY messageid) AS totalmessageparts,
        max(totalmessageprice) OVER (PARTITION BY messageid) AS totalmessageprice,
        max(totalcarrierfee) OVER (PARTITION BY messageid) AS totalcarrierfee,
        date(from_unixtime(coalesce(messagerequesttimestamp, eventtimestamp) / 1000)) AS send_date,
        row_number() OVER (PARTITION BY messageid ORDER BY isfinal DESC, eventtimestamp DESC) AS status_rank
    FROM sms_events
    WHERE dt >= date_format(current_date - INTERVAL '30' DAY, '%Y-%m-%d')
)
SELECT
    send_date,
    isocountrycode,
    messagetype,
    count(*) AS messages,
    sum(totalmessageparts) AS message_parts,
    round(sum(totalmessageprice), 5) AS price_usd,
    round(sum(totalcarrierfee), 5) AS carrier_fee_usd
FROM latest
WHERE status_rank = 1 AND send_date >= current_date - INTERVAL '30' DAY
GROUP BY 1, 2, 3
ORDER BY send_date DESC, price_usd DESC, isocountrycode, messagetype
