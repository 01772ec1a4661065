-- Time to carrier and time to handset per SMS message sent in the last 7 days, in milliseconds from the send request:
-- to the first SUCCESSFUL event (the carrier accepted the message) and to the first DELIVERED event (the handset
-- received it). Either may be missing: some countries report only one of the two, and a message still on its way has
-- neither (it is left out, as are records without a request time). Only SMS events (eventType TEXT_*).
WITH sms AS (
    SELECT messageid, messagestatus, eventtimestamp, messagerequesttimestamp, isocountrycode, carriername
    FROM sms_events
    WHERE dt >= date_format(current_date - INTERVAL '7' DAY, '%Y-%m-%d') AND starts_with(eventtype, 'TEXT_')
),
per_message AS (
    SELECT
        messageid,
        min(messagerequesttimestamp) AS requested_ms,
        min(eventtimestamp) FILTER (WHERE messagestatus = 'SUCCESSFUL') AS carrier_ms,
        min(eventtimestamp) FILTER (WHERE messagestatus = 'DELIVERED') AS handset_ms,
        max(isocountrycode) AS isocountrycode,
        max(carriername) AS carriername
    FROM sms
    GROUP BY messageid
)
SELECT
    messageid,
    isocountrycode,
    carriername,
    from_unixtime(requested_ms / 1000) AS requested_at,
    carrier_ms - requested_ms AS ms_to_carrier,
    handset_ms - requested_ms AS ms_to_handset
FROM per_message
WHERE
    requested_ms IS NOT NULL
    AND (carrier_ms IS NOT NULL OR handset_ms IS NOT NULL)
    AND date(from_unixtime(requested_ms / 1000)) >= current_date - INTERVAL '7' DAY
ORDER BY requested_at DESC, messageid
