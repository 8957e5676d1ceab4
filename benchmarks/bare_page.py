"""The floor for a cold load: a Streamlit page holding one line of text, served and loaded as the app is."""

import streamlit as st

st.text("A bare Streamlit page")
