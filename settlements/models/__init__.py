from .documents import Document, DocumentDownload
from .held import HeldPayment
from .parties import Alliance, Force, HostedService, TerminationNotice
from .schedule import Instalment, Payment, ScheduleRevision
from .settlement import RequestStatus, Settlement, SettlementAdjustment
from .years import YearClosing

__all__ = [
    "Alliance",
    "Document",
    "DocumentDownload",
    "Force",
    "HeldPayment",
    "HostedService",
    "Instalment",
    "Payment",
    "RequestStatus",
    "ScheduleRevision",
    "Settlement",
    "SettlementAdjustment",
    "TerminationNotice",
    "YearClosing",
]
