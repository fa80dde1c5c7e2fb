def handler(request):
    return request
