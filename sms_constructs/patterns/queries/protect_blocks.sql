-- SMS messages blocked by a protect configuration, by event day, protect configuration and country, last 30 days.
-- Only SMS events (eventType TEXT_*): RCS has its own protect blocks.
-- A block shows as messageStatus PROTECT_BLOCKED or as protectStatus BLOCK in the event's protectConfiguration.
-- An event of the day before the window can arrive (dt) on its first day; the event_date filter drops it.
SELECT
    date(from_unixtime(eventtimestamp / 1000)) AS event_date,
    protectconfiguration.protectconfigurationid AS protect_configuration_id,
    isocountrycode,
    count(DISTINCT messageid) AS blocked_messages,
    count(DISTINCT destinationphonenumber) AS blocked_destinations
FROM sms_events
WHERE
    dt >= date_format(current_date - INTERVAL '30' DAY, '%Y-%m-%d')
    AND starts_with(eventtype, 'TEXT_')
    AND (messagestatus = 'PROTECT_BLOCKED' OR protectconfiguration.protectstatus = 'BLOCK')
    AND date(from_unixtime(eventtimestamp / 1000)) >= current_date - INTERVAL '30' DAY
GROUP BY 1, 2, 3
ORDER BY event_date DESC, blocked_messages DESC, isocountrycode
