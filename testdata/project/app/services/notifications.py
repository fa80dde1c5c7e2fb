EVENT_SENT = "notification_sent"


class NotificationManager:
    def send(self, user, text):
        return user, text
