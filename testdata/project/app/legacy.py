EVENT_SENT = "notification_sent"


class _LegacyNotificationManagerAdapter:
    def send(self, user, text):
        return user, text
