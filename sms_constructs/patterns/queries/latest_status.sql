-- Latest status per SMS message, for messages with events in the last 7 days.
-- One row per messageId. Its status is that of its best event: a final event wins over any non-final one, and among
-- events of the same finality the newest wins, so duplicate delivery receipts (multi-part messages) collapse into one
-- row. Its figures (parts, price, carrier fee) follow the same rule: those of the best event that reports them, so a
-- message with two final events (SUCCESSFUL, then DELIVERED with another carrier fee) shows the DELIVERED figures,
-- exactly as the spend query counts them. Only SMS events (eventType TEXT_*): a destination matching ALL also
-- delivers voice, MMS and RCS events.
WITH ranked AS (
    SELECT
        messageid, messagestatus, messagestatusdescription, isfinal, originationphonenumber, destinationphonenumber,
        isocountrycode, carriername, messagetype, messageencoding, totalmessageparts, totalmessageprice,
        totalcarrierfee, messagerequesttimestamp, eventtimestamp,
        row_number() OVER (PARTITION BY messageid ORDER BY isfinal DESC, eventtimestamp DESC) AS status_rank
    FROM sms_events
    WHERE dt >= date_format(current_date - INTERVAL '7' DAY, '%Y-%m-%d') AND starts_with(eventtype, 'TEXT_')
)
SELECT
    messageid,
    min_by(messagestatus, status_rank) AS messagestatus,
    min_by(isfinal, status_rank) AS isfinal,
    min_by(messagestatusdescription, status_rank) AS messagestatusdescription,
    min_by(originationphonenumber, status_rank) AS originationphonenumber,
    min_by(destinationphonenumber, status_rank) AS destinationphonenumber,
    min_by(isocountrycode, status_rank) AS isocountrycode,
    min_by(carriername, status_rank) AS carriername,
    min_by(messagetype, status_rank) AS messagetype,
    min_by(messageencoding, status_rank) AS messageencoding,
    min_by(totalmessageparts, status_rank) FILTER (WHERE totalmessageparts IS NOT NULL) AS totalmessageparts,
    min_by(totalmessageprice, status_rank) FILTER (WHERE totalmessageprice IS NOT NULL) AS totalmessageprice,
    min_by(totalcarrierfee, status_rank) FILTER (WHERE totalcarrierfee IS NOT NULL) AS totalcarrierfee,
    from_unixtime(min_by(messagerequesttimestamp, status_rank) / 1000) AS requested_at,
    from_unixtime(min_by(eventtimestamp, status_rank) / 1000) AS status_at,
    count(*) AS events_received
FROM ranked
GROUP BY messageid
ORDER BY status_at DESC, messageid
