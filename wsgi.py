import gc

from forum import create_app

app = create_app()

# Everything made so far (the app, its templates, the modules) lives as long as the
# worker: kept out of the collector's reach, a full collection no longer walks it, which
# was a pause of tens of milliseconds in the middle of a request.
gc.freeze()
