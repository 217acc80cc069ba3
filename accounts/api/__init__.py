from ninja import Router

from accounts.api.auth import router as auth_router
from accounts.api.staff import router as staff_router

router = Router()
router.add_router("", auth_router)
router.add_router("/staff", staff_router)
