using 'main.bicep'
param acrSku = 'Premium'
