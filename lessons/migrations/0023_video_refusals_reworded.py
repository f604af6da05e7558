from django.db import migrations

# The reasons a video was refused, as stored before they lost their inner colon ("This video
# cannot be used: not a playable video: upload ..." read with two): the stored text is the msgid
# shown translated, so a row keeping the old one would be shown untranslated.
REWORDED = {
    "the picture is larger than 4K (4096 × 2160 pixels, or 4096 on its long side): export the video at 4K or less": (
        "the picture is larger than 4K (4096 × 2160 pixels, or 4096 on its long side); export the video at 4K or less"
    ),
    "the video has more than 240 frames a second: export it at 60 frames a second or less": (
        "the video has more than 240 frames a second; export it at 60 frames a second or less"
    ),
    "the video is longer than 4 hours: cut it into parts": "the video is longer than 4 hours; cut it into parts",
    "the video took too long to read: export it again as a common MP4": (
        "the video took too long to read; export it again as a common MP4"
    ),
    "not a playable video: upload an MP4, MOV or other common video file": (
        "it is not a playable video; upload an MP4, MOV or other common video file"
    ),
    "the video is damaged or cut short: its end cannot be decoded": (
        "the video is damaged or cut short; its end cannot be decoded"
    ),
}


def reword(apps, pairs):
    for old, new in pairs:
        apps.get_model("lessons", "Lesson").objects.filter(failure=old).update(failure=new)
        apps.get_model("calls", "Entry").objects.filter(video_failure=old).update(video_failure=new)


def forwards(apps, schema_editor):
    reword(apps, REWORDED.items())


def backwards(apps, schema_editor):
    reword(apps, [(new, old) for old, new in REWORDED.items()])


class Migration(migrations.Migration):
    dependencies = [
        ("lessons", "0022_notebook_entries_can_be_removed"),
        ("calls", "0013_call_judges_per_entry_at_least_1"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
