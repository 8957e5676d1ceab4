"""localign planner app (Streamlit): layout and wiring only; numbers come from analysis/, shapes from geo/."""

import streamlit as st

st.set_page_config(page_title="localign", layout="wide")
st.title("localign")
st.info("The planner app is being built.")
