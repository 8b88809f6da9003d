"""The spaces and their workbooks: the list of spaces, a space's page (which apps above
accounts add sections to), renaming and deleting."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.utils.module_loading import import_string
from django.views.decorators.http import require_POST

from accounts import access, selectors, services
from accounts.forms import NameForm, SpaceForm
from accounts.views.common import add_service_errors, administrator_page

SPACES_PER_PAGE = 50


def spaces_page(request, spaces):
    """The page of the ordered `spaces` asked for (`?page=`), its rows with their
    environment and workbook count: counted for the page's rows only."""
    page = Paginator(spaces, SPACES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = selectors.page_counted(
        reach=request.reach, spaces=spaces, page=page.object_list
    )
    return page


@administrator_page
def space_list(request, account):
    # By environment (in the switcher's order), newest first within each.
    spaces = request.reach.spaces().order_by(
        "environment__created_at", "environment_id", "-created_at", "id"
    )
    return render(request, "accounts/space_list.html", {"page": spaces_page(request, spaces)})


def render_space(
    request, space, *, space_form=None, workbook_form=None, renamed=None, status=200
) -> TemplateResponse:
    """The space's page. A TemplateResponse renders only once returned, so the sections
    below, and a page of theirs answering with it (a refused "Add guest"), can still add
    to it."""
    space_form = space_form or SpaceForm(
        initial={"name": space.name, "guests_can_invite": space.guests_can_invite}
    )
    workbooks = list(space.workbooks.all())
    # A rename that failed shows its error and the typed name in its own row.
    for workbook in workbooks:
        workbook.rename_form = renamed[1] if renamed and renamed[0] == workbook.id else None
    response = TemplateResponse(
        request,
        "accounts/space_detail.html",
        {
            "space": space,
            "environment": space.environment,
            "space_form": space_form,
            "workbook_form": workbook_form or NameForm(),
            "workbooks": workbooks,
        },
        status=status,
    )
    # What apps above accounts add to the page, which accounts never imports (guests: its
    # guest sidebar), named in settings.SPACE_PAGE_SECTIONS. Each may switch the template to
    # one extending accounts/space_detail.html (filling its `guests` block) and add to its
    # context_data.
    for section in settings.SPACE_PAGE_SECTIONS:
        import_string(section)(request, space, response)
    return response


@administrator_page
def space_detail(request, account, space_id):
    space = access.space_within(request.reach, space_id)
    if request.method != "POST":
        return render_space(request, space)
    if request.POST.get("action") == "create-workbook":
        form = NameForm(request.POST)
        if form.is_valid():
            try:
                workbook = services.workbook_create(
                    space=space, actor=request.user, name=form.cleaned_data["name"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Workbook “{workbook.name}” created.")
                return redirect("accounts:space-detail", space.id)
        return render_space(request, space, workbook_form=form, status=400)
    form = SpaceForm(request.POST)
    if form.is_valid():
        try:
            services.space_update(space=space, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Space saved.")
            return redirect("accounts:space-detail", space.id)
    return render_space(request, space, space_form=form, status=400)


@require_POST
@administrator_page
def space_delete(request, account, space_id):
    space = access.space_within(request.reach, space_id)
    environment_id = space.environment_id
    services.space_delete(space=space, actor=request.user)
    messages.success(request, f"Space “{space.name}” deleted.")
    return redirect("accounts:environment-detail", environment_id)


@require_POST
@administrator_page
def workbook_update(request, account, workbook_id):
    workbook = access.workbook_within(request.reach, workbook_id)
    form = NameForm(request.POST)
    if form.is_valid():
        try:
            services.workbook_update(
                workbook=workbook, actor=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Workbook renamed.")
            return redirect("accounts:space-detail", workbook.space_id)
    return render_space(request, workbook.space, renamed=(workbook.id, form), status=400)


@require_POST
@administrator_page
def workbook_delete(request, account, workbook_id):
    workbook = access.workbook_within(request.reach, workbook_id)
    space_id = workbook.space_id
    services.workbook_delete(workbook=workbook, actor=request.user)
    messages.success(request, f"Workbook “{workbook.name}” deleted.")
    return redirect("accounts:space-detail", space_id)
