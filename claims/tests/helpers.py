from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

YEAR = timezone.localdate().year
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
       b"endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def pdf(name="certificate.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def claim_data(**overrides):
    data = {"year": YEAR, "name": "国际光学工程学会年会", "category": "external_training",
            "start": date(YEAR, 3, 10), "end": date(YEAR, 3, 12), "hours": "16",
            "organiser": "SPIE", "location": "北京", "cost": "0.35", "purpose": "交流", "content": "报告"}
    data.update(overrides)
    return data
