"""Open jobs whose last attempt was refused outright got a new requestid only from this release on
(runner.job_failed); give the ones already waiting one too, or their Retry would get QBO's stored refusal
played back. Jobs after an unknown outcome keep theirs (QBO may hold the create under it)."""

import uuid

from django.db import migrations


def forwards(apps, schema_editor):
    SyncJob = apps.get_model("integrations", "SyncJob")
    waiting = (SyncJob.objects.filter(state__in=["queued", "backoff", "error", "paused"], outcome_unknown=False)
               .exclude(last_error=""))
    for job in waiting.only("pk").iterator():
        SyncJob.objects.filter(pk=job.pk).update(request_id=uuid.uuid4().hex)


class Migration(migrations.Migration):
    dependencies = [("integrations", "0005_rate_bucket_batch_window")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
