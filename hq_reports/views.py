from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def console(request):
    return render(request, "hq/console.html")
