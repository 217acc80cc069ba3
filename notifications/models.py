from django.conf import settings
from django.db import models


class Notification(models.Model):
    """通知消息: one message to one person (decisions, new claims to review …)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notifications")
    kind = models.CharField(max_length=48)
    # The text is made from the kind and these parameters in the reader's language
    # (notifications.kinds); title and body keep the text as sent, for kinds without
    # registered texts and for the mail.
    params = models.JSONField(default=dict, blank=True)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.text_title

    @property
    def text_title(self) -> str:
        from notifications.kinds import render

        return render(self.kind, self.params, self.title, self.body)[0]

    @property
    def text_body(self) -> str:
        from notifications.kinds import render

        return render(self.kind, self.params, self.title, self.body)[1]
