"""The workflow's services in one place for pages, API and CLI (the modules beside it hold the logic)."""

from kikz.governance.workflow.access import (
    approve_request,
    expire_requests,
    get_request,
    my_requests,
    reject_request,
    request_access,
    revoke_request,
    withdraw_request,
)
from kikz.governance.workflow.direct import assign_responsibilities, publish_directly
from kikz.governance.workflow.hooks import on_new_distribution, on_scan_result
from kikz.governance.workflow.proposals import (
    SYSTEM_APPROVAL,
    approve,
    get_proposal,
    list_proposals,
    propose,
    reject,
    withdraw,
)
from kikz.governance.workflow.queues import available_roles, queue
from kikz.governance.workflow.reviews import mark_reviewed

__all__ = [
    "SYSTEM_APPROVAL",
    "approve",
    "approve_request",
    "assign_responsibilities",
    "available_roles",
    "expire_requests",
    "get_proposal",
    "get_request",
    "list_proposals",
    "mark_reviewed",
    "my_requests",
    "on_new_distribution",
    "on_scan_result",
    "propose",
    "publish_directly",
    "queue",
    "reject",
    "reject_request",
    "request_access",
    "revoke_request",
    "withdraw",
    "withdraw_request",
]
