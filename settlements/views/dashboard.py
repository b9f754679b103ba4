from django.shortcuts import redirect

from settlements.roles import viewer_required


@viewer_required
def dashboard(request):
    return redirect("admin:index")
