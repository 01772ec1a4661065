-- Latest status per message, for messages with events in the last 7 days.
-- One row per messageId: a final event wins over any non-final one, and among events of the same finality the
-- newest wins, so duplicate delivery receipts (multi-part messages) collapse into one row.
SELECT
    messageid,
    messagestatus,
    isfinal,
    isocountrycode,
    carriername,
    messagetype,
    messageencoding,
    totalmessageparts,
    totalmessageprice,
    totalcarrierfee,
    from_unixtime(messagerequesttimestamp / 1000) AS requested_at,
    from_unixtime(eventtimestamp / 1000) AS status_at,
    events_received
FROM (
    SELECT
        messageid, messagestatus, isfinal, isocountrycode, carriername, messagetype, messageencoding,
        totalmessageparts, totalmessageprice, totalcarrierfee, messagerequesttimestamp, eventtimestamp,
        row_number() OVER (PARTITION BY messageid ORDER BY isfinal DESC, eventtimestamp DESC) AS status_rank,
        count(*) OVER (PARTITION BY messageid) AS events_received
    FROM sms_events
    WHERE dt >= date_format(current_date - INTERVAL '7' DAY, '%Y-%m-%d')
) AS ranked
WHERE status_rank = 1
ORDER BY status_at DESC, messageid
