from .parties import Alliance, Force, HostedService, TerminationNotice
from .schedule import Instalment, Payment, ScheduleRevision
from .settlement import RequestStatus, Settlement, SettlementAdjustment

__all__ = [
    "Alliance",
    "Force",
    "HostedService",
    "Instalment",
    "Payment",
    "RequestStatus",
    "ScheduleRevision",
    "Settlement",
    "SettlementAdjustment",
    "TerminationNotice",
]
