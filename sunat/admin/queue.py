"""django-q2's task pages, with "resubmit" only for those who may change tasks.

django-q2 registers its Success and Failure admins with an action that declares no permission, so
a view-only operator could queue tasks again; the same pages are registered here with the action
asking for the change permission.
"""

from django.contrib import admin
from django_q import admin as q_admin
from django_q.models import Failure, Success


@admin.action(description=q_admin.resubmit_task.short_description, permissions=["change"])
def resubmit_task(modeladmin, request, queryset):
    return q_admin.resubmit_task(modeladmin, request, queryset)


class SuccessAdmin(q_admin.TaskAdmin):
    actions = [resubmit_task]


class FailureAdmin(q_admin.FailAdmin):
    actions = [resubmit_task]


for model, model_admin in ((Success, SuccessAdmin), (Failure, FailureAdmin)):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
