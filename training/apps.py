from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"

    def ready(self):
        from ledger.labels import register_detail_labels
        from training.models import Method, ProjectKind

        # The archive's project table names these codes of a posting's details.
        register_detail_labels("method", Method.choices)
        register_detail_labels("project_class", ProjectKind.choices)
