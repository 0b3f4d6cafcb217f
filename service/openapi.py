"""placeholder"""
def setup_openapi_routes(app):
    pass
