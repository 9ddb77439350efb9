"""DAG Designer: `streamlit run streamlit_app.py` (or `bash scripts/run_app.sh`)."""

from designer.ui.app import render

render()
