-- Spend by send day, destination country and message type, last 30 days (USD).
-- Each message counts once (its latest event carries the billed parts, price and carrier fee), so duplicate
-- receipts and intermediate events never double the bill.
WITH latest AS (
    SELECT
        messageid, isfinal, eventtimestamp, messagerequesttimestamp, isocountrycode, messagetype,
        totalmessageparts, totalmessageprice, totalcarrierfee,
        row_number() OVER (PARTITION BY messageid ORDER BY isfinal DESC, eventtimestamp DESC) AS status_rank
    FROM sms_events
    WHERE dt >= date_format(current_date - INTERVAL '30' DAY, '%Y-%m-%d')
)
SELECT
    date(from_unixtime(coalesce(messagerequesttimestamp, eventtimestamp) / 1000)) AS send_date,
    isocountrycode,
    messagetype,
    count(*) AS messages,
    sum(totalmessageparts) AS message_parts,
    round(sum(totalmessageprice), 5) AS price_usd,
    round(sum(totalcarrierfee), 5) AS carrier_fee_usd
FROM latest
WHERE status_rank = 1
GROUP BY 1, 2, 3
ORDER BY send_date DESC, price_usd DESC, isocountrycode, messagetype
