from allaboutme import create_app

app = create_app()
